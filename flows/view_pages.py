"""The pages of ``tacit view``: plain HTML rendered from the warehouse, one function per page.

What: ``render(con, path)`` answers a URL path with ``(status, html)``: the versions (``/``), a version's
personas (``/v/V``), a persona with its preferences, histories and queries (``/v/V/p/P``), a history as a
chat with cue turns highlighted and update and forget sessions marked (``/v/V/h/H``), and a query with
its options, the gold, and each evaluation's answer, score, judge reasons and memory (``/v/V/q/Q``).
Why: between the CLI and raw SQL a researcher needs to read a persona's data as a chain (preference ->
the turns that show it -> the question -> what each method answered) without writing joins. How: pure
functions of a read-only DuckDB connection; every value is escaped; no script, no external asset, so it
works offline. ``tacit view`` serves them (``flows.view_server``).
"""

from __future__ import annotations

import html
from urllib.parse import quote

_STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f4}a{color:#0645ad}.turn{white-space:pre-wrap;margin:.3rem 0;
padding:.4rem .6rem;border-radius:6px}.user{background:#eef4ff}.assistant{background:#f6f6f6}.cue{outline:3px solid
#e0a800;background:#fff6d6}.session{margin:1rem 0;padding:.5rem;border-left:4px solid #ccc}.update{border-left-color:
#2e7d32}.forget{border-left-color:#c62828}.tag{font-size:12px;padding:1px 6px;border-radius:8px;background:#eee;
margin-left:.4rem}.gold{font-weight:bold;color:#2e7d32}.wrong{color:#c62828}nav{margin-bottom:1rem;font-size:14px}"""


class NotFound(LookupError):
    """A path or an id the warehouse does not hold."""


def one_row(con, sql: str, params: list, missing: str) -> tuple:
    """The single row ``sql`` selects, or ``NotFound(missing)`` (a 404 page naming what is missing)."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise NotFound(missing)
    return row


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _link(text, *parts: str) -> str:
    return f'<a href="/{"/".join(quote(str(p), safe="") for p in parts)}">{_e(text)}</a>'


def _page(title: str, body: str, crumbs: list[str]) -> str:
    nav = " / ".join([_link("versions", ""), *crumbs])
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)} - tacit view</title>"
        f"<style>{_STYLE}</style></head><body><nav>{nav}</nav><h1>{_e(title)}</h1>{body}</body></html>"
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def versions_page(con) -> str:
    rows = con.execute(
        "SELECT v.version_id, v.preset, v.seed, v.complete, v.created_at, "
        "(SELECT count(*) FROM personas p WHERE p.version_id = v.version_id) "
        "FROM dataset_versions v ORDER BY v.created_at DESC"
    ).fetchall()
    cells = [[_link(v, "v", v), _e(p), _e(s), "yes" if c else "no", _e(t), _e(n)] for v, p, s, c, t, n in rows]
    body = _table(["version", "preset", "seed", "complete", "created", "personas"], cells) if rows else "<p>none</p>"
    return _page("Dataset versions", body, [])


def version_page(con, vid: str) -> str:
    rows = con.execute(
        "SELECT p.persona_id, p.name, p.age, p.occupation, p.household, "
        "(SELECT count(*) FROM preferences f WHERE f.version_id = p.version_id AND f.persona_id = p.persona_id), "
        "(SELECT count(*) FROM queries q JOIN histories h USING (version_id, history_id) "
        " WHERE q.version_id = p.version_id AND h.persona_id = p.persona_id) "
        "FROM personas p WHERE p.version_id = ? ORDER BY p.persona_id",
        [vid],
    ).fetchall()
    if not rows and not con.execute("SELECT 1 FROM dataset_versions WHERE version_id = ?", [vid]).fetchone():
        raise NotFound(f"no version {vid}")
    cells = [
        [_link(pid, "v", vid, "p", pid), _e(n), _e(a), _e(o), _e(h), _e(f), _e(q)] for pid, n, a, o, h, f, q in rows
    ]
    body = _table(["persona", "name", "age", "occupation", "household", "preferences", "queries"], cells)
    return _page(f"Version {vid}", body, [_link(vid, "v", vid)])


def persona_page(con, vid: str, pid: str) -> str:
    name, age, gender, city, country, job, household, hobbies = one_row(
        con,
        "SELECT name, age, gender, city, country, occupation, household, hobbies FROM personas "
        "WHERE version_id = ? AND persona_id = ?",
        [vid, pid],
        f"no persona {pid} in {vid}",
    )
    about = f"<p>{_e(age)}, {_e(gender)}, {_e(city)} ({_e(country)}); {_e(job)}; {_e(household)}; "
    about += f"hobbies: {_e(', '.join(hobbies))}</p>"
    prefs = con.execute(
        "SELECT f.preference_id, s.domain, s.name, f.statement, f.kind, f.who, f.relation, f.superseded, f.forget, "
        "f.stated_at FROM preferences f JOIN scenarios s USING (version_id, scenario_id) "
        "WHERE f.version_id = ? AND f.persona_id = ? ORDER BY f.stated_at",
        [vid, pid],
    ).fetchall()
    pref_rows = [
        [_e(i), _e(f"{d}: {n}"), _e(st), _e(k), _e(r or w),
         ("superseded " if sup else "") + ("forgotten" if fg else ""), _e(str(t)[:16])]
        for i, d, n, st, k, w, r, sup, fg, t in prefs
    ]  # fmt: skip
    hists = con.execute(
        "SELECT history_id, budget_tokens, n_tokens, n_sessions FROM histories WHERE version_id = ? AND persona_id = ? "
        "ORDER BY budget_tokens",
        [vid, pid],
    ).fetchall()
    hist_rows = [[_link(h, "v", vid, "h", h), _e(b), _e(n), _e(s)] for h, b, n, s in hists]
    queries = con.execute(
        "SELECT q.query_id, q.kind, q.text, q.preference_id FROM queries q "
        "JOIN histories h USING (version_id, history_id) WHERE q.version_id = ? AND h.persona_id = ? "
        "ORDER BY q.query_id",
        [vid, pid],
    ).fetchall()
    query_rows = [[_link(q, "v", vid, "q", q), _e(k), _e(t), _e(p)] for q, k, t, p in queries]
    body = (
        about
        + "<h2>Preferences</h2>"
        + _table(["id", "scenario", "statement", "kind", "whose", "state", "stated"], pref_rows)
        + "<h2>Histories</h2>"
        + _table(["history", "budget", "tokens", "sessions"], hist_rows)
        + "<h2>Queries</h2>"
        + _table(["query", "kind", "question", "preference"], query_rows)
    )
    return _page(f"{pid}: {name}", body, [_link(vid, "v", vid), _link(pid, "v", vid, "p", pid)])
