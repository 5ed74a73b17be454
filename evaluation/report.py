"""A self-contained HTML report of one evaluation run: tables and inline SVG plots, no scripts, no CDN.

    tacit report eval eval-1a2b3c4d5e6f --out report.html

Plots: accuracy vs input tokens read per query (one point per method, 95% CI bars, log x axis);
accuracy by distance of the signal from the end of the history; the stereotype gap (stereotypical vs
anti-stereotypical accuracy); grouped bars for every other breakdown. Tables: per-method accuracy with
CIs, open-ended scores, judge agreement, memory statistics.
"""

from __future__ import annotations

import html
import math

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
W, H, PAD = 640, 300, 48


def _esc(value) -> str:
    return html.escape(str(value))


def scatter_svg(points: list[dict]) -> str:
    """Accuracy (y, 0-1) against mean input tokens (x, log scale); points carry method/accuracy/ci/tokens."""
    xs = [max(p["input_tokens"], 1.0) for p in points]
    lo, hi = math.log10(min(xs)), math.log10(max(xs))
    hi = hi if hi > lo else lo + 1

    def x(v: float) -> float:
        return PAD + (math.log10(max(v, 1.0)) - lo) / (hi - lo) * (W - 2 * PAD)

    def y(v: float) -> float:
        return H - PAD - v * (H - 2 * PAD)

    parts = [_axes("input tokens per query (log)", "accuracy")]
    for i, p in enumerate(points):  # the points, and a legend beside the plot (inline labels collided)
        color = PALETTE[i % len(PALETTE)]
        cx = x(p["input_tokens"])
        parts.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(p["ci_low"]):.1f}" y2="{y(p["ci_high"]):.1f}" '
            f'stroke="{color}" stroke-width="2"/><circle cx="{cx:.1f}" cy="{y(p["accuracy"]):.1f}" r="5" '
            f'fill="{color}"><title>{_esc(p["method"])}: {p["accuracy"]:.3f} (n={p["n"]})</title></circle>'
            f'<circle cx="{W + 8}" cy="{PAD + i * 20}" r="5" fill="{color}"/>'
            f'<text x="{W + 18}" y="{PAD + 4 + i * 20}" font-size="12">{_esc(p["method"])} {p["accuracy"]:.2f} '
            f"(n={p['n']}, {p['input_tokens']:,.0f} tok)</text>"
        )
    parts.append(f'<text x="{PAD}" y="{H - 8}" font-size="11">{10**lo:,.0f}</text>')
    parts.append(f'<text x="{W - PAD - 40}" y="{H - 8}" font-size="11">{10**hi:,.0f}</text>')
    size = f'width="{W + 260}" height="{H}" viewBox="0 0 {W + 260} {H}"'
    return f'<svg xmlns="http://www.w3.org/2000/svg" {size}>{"".join(parts)}</svg>'


def bars_svg(
    groups: list[str],
    series: dict[str, list[float | None]],
    counts: dict[str, list[int | None]] | None = None,
    ylabel: str = "accuracy",
    cis: dict[str, list[tuple[float, float] | None]] | None = None,
) -> str:
    """Grouped horizontal bars: one row of bars per group (its label in full on the left), one bar per
    series (method), values 0-1 (None: no bar). Each bar ends in its value and the number of answers behind
    it ("0.62  n=31"), with its 95% CI as a whisker when ``cis`` has one; the legend sits above the plot,
    outside it. Horizontal, so long group names (domains, task types) never collide."""
    names = list(series)
    left, right, top, bar_h, gap = 190, 120, 28 + 18 * ((len(names) + 3) // 4), 14, 10
    plot_w = W + 120 - left - right
    height = top + len(groups) * (len(names) * bar_h + gap) + 30
    parts = []
    for si, name in enumerate(names):  # legend: four per line, above the bars
        lx, ly = left + (si % 4) * 150, 14 + (si // 4) * 18
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="11" height="11" fill="{PALETTE[si % len(PALETTE)]}"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="12">{_esc(name)}</text>'
        )
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        tx = left + t * plot_w
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{height - 26}" stroke="#ddd"/>'
            f'<text x="{tx:.1f}" y="{height - 12}" font-size="11" text-anchor="middle">{t:.2f}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 0}" font-size="12" text-anchor="middle">{_esc(ylabel)}</text>'
    )
    for gi, group in enumerate(groups):
        gy = top + gi * (len(names) * bar_h + gap)
        parts.append(
            f'<text x="{left - 8}" y="{gy + len(names) * bar_h / 2 + 4:.1f}" font-size="12" text-anchor="end">'
            f"{_esc(group[:30])}</text>"
        )
        for si, name in enumerate(names):
            v = series[name][gi]
            if v is None or math.isnan(v):
                continue
            y, color = gy + si * bar_h, PALETTE[si % len(PALETTE)]
            n = counts[name][gi] if counts else None
            ci = cis[name][gi] if cis else None
            label = f"{v:.2f}" + (f"  n={n}" if n is not None else "")
            parts.append(
                f'<rect x="{left}" y="{y + 1}" width="{v * plot_w:.1f}" height="{bar_h - 2}" fill="{color}">'
                f"<title>{_esc(name)} / {_esc(group)}: {label}</title></rect>"
            )
            end = v * plot_w
            if ci is not None and None not in ci and not any(math.isnan(c) for c in ci):
                x1, x2 = left + ci[0] * plot_w, left + ci[1] * plot_w
                parts.append(
                    f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y + bar_h / 2:.1f}" y2="{y + bar_h / 2:.1f}" '
                    f'stroke="#333"/><line x1="{x2:.1f}" x2="{x2:.1f}" y1="{y + 3}" y2="{y + bar_h - 3}" '
                    'stroke="#333"/>'
                )
                end = max(end, ci[1] * plot_w)
            parts.append(f'<text x="{left + end + 5:.1f}" y="{y + bar_h - 3}" font-size="11">{label}</text>')
    width = W + 120
    size = f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
    return f'<svg xmlns="http://www.w3.org/2000/svg" {size}>{"".join(parts)}</svg>'


def _axes(xlabel: str, ylabel: str) -> str:
    def level(t: float) -> float:
        return H - PAD - t * (H - 2 * PAD)

    ticks = "".join(
        f'<line x1="{PAD}" x2="{W - PAD}" y1="{level(t):.1f}" y2="{level(t):.1f}" stroke="#ddd"/>'
        f'<text x="{PAD - 30}" y="{level(t) + 4:.1f}" font-size="11">{t:.2f}</text>'
        for t in (0, 0.25, 0.5, 0.75, 1.0)
    )
    return (
        f'{ticks}<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#333"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#333"/>'
        f'<text x="{W / 2:.0f}" y="{H - 4}" font-size="11" text-anchor="middle">{_esc(xlabel)}</text>'
        f'<text x="12" y="{PAD - 12}" font-size="11">{_esc(ylabel)}</text>'
    )


def _svg(body: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">{body}</svg>'


def _table(rows: list[dict], columns: list[str]) -> str:
    def cell(v, column: str) -> str:
        if isinstance(v, float):
            if math.isnan(v):
                return "-"
            return f"{v:,.0f}" if "tokens" in column or abs(v) >= 100 else f"{v:.3f}"
        return _esc(v)

    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c), c)}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _grouped(table: list[dict]) -> tuple:
    """(groups, accuracy, n and CI per method and group) for ``bars_svg``."""
    groups = sorted({r["group"] for r in table})
    methods = sorted({r["method"] for r in table})
    by = {(r["method"], r["group"]): r for r in table}

    def pick(m: str, g: str, field: str):
        row = by.get((m, g))
        return row.get(field) if row else None

    return (
        groups,
        {m: [pick(m, g, "accuracy") for g in groups] for m in methods},
        {m: [pick(m, g, "n") for g in groups] for m in methods},
        "accuracy",
        {
            m: [(pick(m, g, "ci_low"), pick(m, g, "ci_high")) if by.get((m, g)) else None for g in groups]
            for m in methods
        },
    )


def _gap_rows(summary: dict) -> list[dict]:
    """The stereotype gap per method with the answers behind each side (a gap on 1 vs 2 items says little)."""
    n = {(r["method"], r["group"]): r["n"] for r in summary["breakdowns"].get("pref_kind", [])}
    return [
        {"method": m, "gap": g, "n stereotypical": n.get((m, "stereotypical"), 0),
         "n anti-stereotypical": n.get((m, "anti_stereotypical"), 0)}
        for m, g in summary["stereotype_gap"].items()
    ]  # fmt: skip


def _long(text, short: int = 90) -> str:
    """A long text folded: its start, the whole on a click (no script: ``<details>``)."""
    text = "" if text is None else str(text)
    if len(text) <= short:
        return f"<pre>{_esc(text)}</pre>" if text else ""
    return f"<details><summary>{_esc(text[:short])}...</summary><pre>{_esc(text)}</pre></details>"


def _score(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _drilldown_section(summary: dict) -> list[str]:
    rows = summary.get("drilldown") or []
    if not rows:
        return []
    head = "".join(
        f"<th>{c}</th>" for c in ("query", "method", "gold", "answer", "score", "response", "judges", "memory")
    )
    body = "".join(
        f"<tr><td>{_esc(r['query_id'])}</td><td>{_esc(r['method'])}</td><td>{_esc(r['gold'] or '')}</td>"
        f'<td class="{"ok" if r["correct"] else "no"}">{_esc(r["answer"] or "-")}</td>'
        f"<td>{_score(r['score'])}</td>"
        f"<td>{_long(r['response'])}</td><td>{_long(r['judges'], 60)}</td><td>{_long(r['memory'], 60)}</td></tr>"
        for r in rows
    )
    shown = f"the first {len(rows)} answers in query order" if len(rows) < summary["n_results"] else "every answer"
    return [
        f"<h2>Answers, one by one ({shown})</h2>",
        f"<p>All {summary['n_results']} are in <code>eval_results</code>, <code>eval_judgements</code> and "
        "<code>eval_memories</code>; <code>tacit view</code> shows them per query.</p>",
        f"<table><tr>{head}</tr>{body}</table>",
    ]


def render_report(summary: dict) -> str:
    """The whole report as one HTML string."""
    run = summary["run"]
    cols = ["method", "n", "accuracy", "ci_low", "ci_high", "input_tokens", "output_tokens"]
    cols += ["tokens_per_history", "output_per_history"]
    sections = [
        f"<h1>Evaluation {_esc(run['run_id'])}</h1>",
        f"<p>Dataset version <code>{_esc(run['version_id'])}</code> &middot; backend {_esc(run['backend'])} &middot; "
        f"model {_esc(run['model'])} &middot; judges {_esc(', '.join(run['judges'] or []))} &middot; "
        f"status {_esc(run['status'])} &middot; {summary['n_results']} results &middot; "
        f"{summary['unparsed']} unparseable MCQ answers (scored wrong) &middot; "
        f"{summary.get('overflow', 0)} prompts over the model's context (scored wrong, never truncated)</p>",
        "<h2>MCQ accuracy (95% CI: bootstrap over personas)</h2>",
        _table(summary["mcq"], cols),
        "<h2>Accuracy vs tokens read</h2>",
        scatter_svg(summary["mcq"]) if summary["mcq"] else "<p>No MCQ results.</p>",
        "<h2>Open-ended (judge score; correct = score &ge; 0.5)</h2>",
        _table(summary["open"], ["method", "n", "accuracy", "mean_score", "input_tokens"]),
        "<h2>Judge agreement</h2>",
        _table(summary["agreement"], ["judges", "n", "kappa", "spearman"])
        if summary["agreement"]
        else "<p>One judge only (use --judges a,b to compare).</p>",
        "<h2>Accuracy by distance of the signal from the end</h2>",
        bars_svg(*_grouped(summary["breakdowns"]["distance_bin"])),
        "<h2>Stereotype gap (stereotypical minus anti-stereotypical accuracy)</h2>",
        bars_svg(*_grouped(summary["breakdowns"]["pref_kind"])),
        _table(_gap_rows(summary), ["method", "gap", "n stereotypical", "n anti-stereotypical"]),
        "<h2>Memory agent</h2>",
        _table([summary["memory"]], list(summary["memory"])),
    ]
    for key in ("who", "updated", "forget", "domain", "task_type"):
        sections += [f"<h2>By {_esc(key)}</h2>", bars_svg(*_grouped(summary["breakdowns"][key]))]
    sections += _drilldown_section(summary)
    style = (
        "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222;font-size:15px}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;"
        "vertical-align:top}.ok{color:#2e7d32;font-weight:bold}.no{color:#c62828;font-weight:bold}"
        "details{max-width:28em}summary{cursor:pointer}pre{white-space:pre-wrap;margin:.3em 0}"
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>Tacit evaluation {_esc(run["run_id"])}</title>'
        f"<style>{style}</style></head><body>{''.join(sections)}</body></html>"
    )
