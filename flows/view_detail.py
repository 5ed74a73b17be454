"""The detail pages of ``tacit view`` (a history as a chat, a query with every method's answer) and the
router that answers a URL path with a page.

A history shows every session in order with its date, kind and task; the turns that carry a cue of a
preference are highlighted and name the preference, update sessions and forget requests are marked. A
query shows its options with the gold marked, then for each evaluation run and method the response, the
parsed answer, the score, the judges' reasons (open queries) and the memory the method ended with
(memory methods). ``python -m flows.view_server`` or ``tacit view`` serves them.
"""

from __future__ import annotations

from urllib.parse import unquote

from flows.view_pages import NotFound, _e, _link, _page, _table, one_row, persona_page, version_page, versions_page


def history_page(con, vid: str, hid: str) -> str:
    pid, budget, n_tokens = one_row(
        con,
        "SELECT persona_id, budget_tokens, n_tokens FROM histories WHERE version_id = ? AND history_id = ?",
        [vid, hid],
        f"no history {hid} in {vid}",
    )
    cues = {
        (s, t): (p, evidence)
        for s, t, p, evidence in con.execute(
            "SELECT session_id, turn_index, preference_id, evidence FROM signals WHERE version_id = ?", [vid]
        ).fetchall()
    }
    rows = con.execute(
        "SELECT i.position, i.session_id, s.kind, s.task_type, i.started_at, t.turn_index, t.role, t.content "
        "FROM history_items i JOIN sessions s ON s.version_id = i.version_id AND s.session_id = i.session_id "
        "JOIN turns t ON t.version_id = i.version_id AND t.session_id = i.session_id "
        "WHERE i.version_id = ? AND i.history_id = ? ORDER BY i.position, t.turn_index",
        [vid, hid],
    ).fetchall()
    parts, current = [], None
    for position, sid, kind, task, when, index, role, content in rows:
        if sid != current:
            if current is not None:
                parts.append("</div>")
            current = sid
            css = kind if kind in ("update", "forget") else ""
            tag = f'<span class="tag">{_e(kind)}</span>' if kind != "filler" else ""
            parts.append(
                f'<div class="session {css}" id="s{position}"><b>{_e(str(when)[:16])}</b> {_e(sid)}'
                f'<span class="tag">{_e(task)}</span>{tag}'
            )
        cue = cues.get((sid, index))
        text = _e(content)
        if cue and cue[1]:  # the sentence that carries it, marked inside the turn
            text = text.replace(_e(cue[1]), f"<mark>{_e(cue[1])}</mark>", 1)
        mark = f'<div class="tag">cue of {_e(cue[0])}</div>' if cue else ""
        parts.append(f'<div class="turn {_e(role)}{" cue" if cue else ""}">{mark}<b>{_e(role)}:</b> {text}</div>')
    if current is not None:
        parts.append("</div>")
    body = f"<p>{_e(n_tokens)} tokens of a {_e(budget)}-token budget, {len({r[1] for r in rows})} sessions</p>"
    return _page(
        f"History {hid}", body + "".join(parts), [_link(vid, "v", vid), _link(pid, "v", vid, "p", pid), _e(hid)]
    )


def query_page(con, vid: str, qid: str) -> str:
    kind, text, gold, hid, pref, rubric, pid = one_row(
        con,
        "SELECT q.kind, q.text, q.gold_label, q.history_id, q.preference_id, q.rubric, h.persona_id FROM queries q "
        "JOIN histories h USING (version_id, history_id) WHERE q.version_id = ? AND q.query_id = ?",
        [vid, qid],
        f"no query {qid} in {vid}",
    )
    options = con.execute(
        "SELECT label, text, role FROM options WHERE version_id = ? AND query_id = ? ORDER BY label", [vid, qid]
    ).fetchall()
    option_rows = [
        [f'<span class="{"gold" if label == gold else ""}">{_e(label)}</span>', _e(t), _e(role)]
        for label, t, role in options
    ]
    results = con.execute(
        "SELECT r.run_id, r.method, r.response, r.answer, r.correct, r.score, m.memory FROM eval_results r "
        "JOIN eval_runs e USING (run_id) LEFT JOIN eval_memories m ON m.run_id = r.run_id "
        "AND m.history_id = r.history_id AND r.method LIKE '%memory%' "
        "WHERE e.version_id = ? AND r.query_id = ? ORDER BY e.started_at, r.method",
        [vid, qid],
    ).fetchall()
    reasons: dict[tuple[str, str], list[str]] = {}
    for run, method, judge, score, reason in con.execute(
        "SELECT run_id, method, judge, score, reason FROM eval_judgements WHERE query_id = ?", [qid]
    ).fetchall():
        reasons.setdefault((run, method), []).append(f"{judge} {score:.2f}: {reason}")
    result_rows = [
        [_e(run[:12]), _e(method), f'<div class="turn assistant">{_e(response)}</div>',
         f'<span class="{"gold" if correct else "wrong"}">{_e(answer)}</span>', _e(score),
         "<br>".join(_e(r) for r in reasons.get((run, method), [])),
         f'<div class="turn">{_e(memory)}</div>' if memory else ""]
        for run, method, response, answer, correct, score, memory in results
    ]  # fmt: skip
    body = (
        f"<p><b>{_e(kind)}</b> about preference {_e(pref)}; asked of {_link(hid, 'v', vid, 'h', hid)}</p>"
        f'<div class="turn user">{_e(text)}</div>'
        + (_table(["label", "option", "role"], option_rows) + f'<p>gold: <span class="gold">{_e(gold)}</span></p>')
        + (f"<p>rubric: {_e(rubric)}</p>" if rubric else "")
        + "<h2>Evaluations</h2>"
        + (
            _table(["run", "method", "response", "answer", "score", "judges", "memory"], result_rows)
            if results
            else "<p>not evaluated yet (<code>tacit eval</code>)</p>"
        )
    )
    return _page(f"Query {qid}", body, [_link(vid, "v", vid), _link(pid, "v", vid, "p", pid), _e(qid)])


def render(con, path: str) -> tuple[int, str]:
    """(HTTP status, page) for a URL path; an unknown path or id is a 404 page naming what is missing."""
    parts = [unquote(p) for p in path.split("?", 1)[0].strip("/").split("/") if p]
    try:
        match parts:
            case []:
                return 200, versions_page(con)
            case ["v", vid]:
                return 200, version_page(con, vid)
            case ["v", vid, "p", pid]:
                return 200, persona_page(con, vid, pid)
            case ["v", vid, "h", hid]:
                return 200, history_page(con, vid, hid)
            case ["v", vid, "q", qid]:
                return 200, query_page(con, vid, qid)
        raise NotFound(f"no page {path}")
    except NotFound as exc:
        return 404, _page("Not found", f"<p>{_e(exc)}</p>", [])
