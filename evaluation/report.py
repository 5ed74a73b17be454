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
    for i, p in enumerate(points):
        color = PALETTE[i % len(PALETTE)]
        cx = x(p["input_tokens"])
        parts.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(p["ci_low"]):.1f}" y2="{y(p["ci_high"]):.1f}" '
            f'stroke="{color}"/><circle cx="{cx:.1f}" cy="{y(p["accuracy"]):.1f}" r="5" fill="{color}"/>'
            f'<text x="{cx + (7 if cx < W - 120 else -7):.1f}" y="{y(p["accuracy"]) - 6:.1f}" font-size="11" '
            f'text-anchor="{"start" if cx < W - 120 else "end"}">{_esc(p["method"])} (n={p["n"]})</text>'
        )
    parts.append(f'<text x="{PAD}" y="{H - 8}" font-size="10">{10**lo:,.0f}</text>')
    parts.append(f'<text x="{W - PAD - 40}" y="{H - 8}" font-size="10">{10**hi:,.0f}</text>')
    return _svg("".join(parts))


def bars_svg(
    groups: list[str],
    series: dict[str, list[float | None]],
    counts: dict[str, list[int | None]] | None = None,
    ylabel: str = "accuracy",
) -> str:
    """Grouped bars: one group per label, one bar per series (method), values 0-1 (None: no bar); with
    ``counts``, each bar is labelled with the number of answers behind it."""
    n_series = max(len(series), 1)
    group_w = (W - 2 * PAD) / max(len(groups), 1)
    bar_w = group_w * 0.8 / n_series
    parts = [_axes("", ylabel)]
    for si, (name, values) in enumerate(series.items()):
        color = PALETTE[si % len(PALETTE)]
        for gi, v in enumerate(values):
            if v is None or math.isnan(v):
                continue
            bx = PAD + gi * group_w + group_w * 0.1 + si * bar_w
            bh = v * (H - 2 * PAD)
            n = counts[name][gi] if counts else None
            label = f"{_esc(name)} / {_esc(groups[gi])}: {v:.3f}" + (f" (n={n})" if n is not None else "")
            parts.append(
                f'<rect x="{bx:.1f}" y="{H - PAD - bh:.1f}" width="{bar_w:.1f}" height="{bh:.1f}" fill="{color}">'
                f"<title>{label}</title></rect>"
            )
            if n is not None:
                parts.append(
                    f'<text x="{bx + bar_w / 2:.1f}" y="{H - PAD - bh - 3:.1f}" font-size="8" '
                    f'text-anchor="middle">n={n}</text>'
                )
        parts.append(
            f'<rect x="{W - 150}" y="{8 + si * 14}" width="10" height="10" fill="{color}"/>'
            f'<text x="{W - 135}" y="{17 + si * 14}" font-size="10">{_esc(name)}</text>'
        )
    for gi, g in enumerate(groups):
        gx = PAD + gi * group_w + group_w / 2
        parts.append(f'<text x="{gx:.1f}" y="{H - PAD + 14}" font-size="9" text-anchor="middle">{_esc(g)[:18]}</text>')
    return _svg("".join(parts))


def _axes(xlabel: str, ylabel: str) -> str:
    def level(t: float) -> float:
        return H - PAD - t * (H - 2 * PAD)

    ticks = "".join(
        f'<line x1="{PAD}" x2="{W - PAD}" y1="{level(t):.1f}" y2="{level(t):.1f}" stroke="#ddd"/>'
        f'<text x="{PAD - 30}" y="{level(t) + 4:.1f}" font-size="10">{t:.2f}</text>'
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


def _grouped(table: list[dict]) -> tuple[list[str], dict[str, list[float | None]], dict[str, list[int | None]]]:
    """(groups, accuracy per method and group, n per method and group) for ``bars_svg``."""
    groups = sorted({r["group"] for r in table})
    methods = sorted({r["method"] for r in table})
    by = {(r["method"], r["group"]): r for r in table}

    def pick(m: str, g: str, field: str):
        row = by.get((m, g))
        return row[field] if row else None

    return (
        groups,
        {m: [pick(m, g, "accuracy") for g in groups] for m in methods},
        {m: [pick(m, g, "n") for g in groups] for m in methods},
    )


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
        _table([{"method": m, "gap": g} for m, g in summary["stereotype_gap"].items()], ["method", "gap"]),
        "<h2>Memory agent</h2>",
        _table([summary["memory"]], list(summary["memory"])),
    ]
    for key in ("who", "updated", "forget", "domain", "task_type"):
        sections += [f"<h2>By {_esc(key)}</h2>", bars_svg(*_grouped(summary["breakdowns"][key]))]
    style = (
        "body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>Tacit evaluation {_esc(run["run_id"])}</title>'
        f"<style>{style}</style></head><body>{''.join(sections)}</body></html>"
    )
