"""The HTML report of a batch: one self-contained page (inline SVG, no script, no download).

It holds the table of every run (point, status, time, parameters, collected values) and one plot
per collected numeric value and varied parameter: each run a dot (hover for its point), the line
through the mean at each parameter value. Pure: records in, text out.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any, Sequence

from nbprod.run.store import BatchRecord, RunRecord

W, H = 380, 250
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 16, 44
_CSS = """
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}th{background:#f3f3f3}td.l{text-align:left}
.ok,.skipped{color:#17803d}.failed,.timeout,.killed,.cancelled{color:#b42318}.exited{color:#9a6700}
.plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:13px}
svg text{font-size:11px;fill:#444}
"""


def render_report(batch: BatchRecord, runs: Sequence[RunRecord]) -> str:
    """The report page of a batch."""
    params = list(dict.fromkeys(k for r in runs for k in r.parameters))
    varied = [p for p in params if len({_key(r.parameters.get(p)) for r in runs}) > 1]
    collected = list(dict.fromkeys(k for r in runs for k in r.collected))
    plots = [_plot(runs, p, c) for c in collected for p in varied if _numeric(runs, c)]
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.status] = counts.get(r.status, 0) + 1
    created = dt.datetime.fromtimestamp(batch.created).strftime("%Y-%m-%d %H:%M:%S")
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>nbprod batch {escape(batch.id)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(batch.notebook)}</h1>",
        f"<p>batch <code>{escape(batch.id)}</code> · {escape(created)} · "
        f"{len(runs)} runs: {escape(summary)} · executor {escape(batch.executor)}, "
        f"{batch.jobs} jobs</p>",
    ]
    if batch.command:
        parts.append(f"<p><code>{escape(batch.command)}</code></p>")
    if plots:
        parts.append('<h2>Collected values</h2><div class="plots">' + "".join(plots) + "</div>")
    elif collected and not varied:
        parts.append("<p>No parameter varies in this batch: nothing to plot.</p>")
    parts.append(
        "<h2>Runs</h2>" + _table(runs, varied + [p for p in params if p not in varied], collected)
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _table(runs: Sequence[RunRecord], params: list[str], collected: list[str]) -> str:
    head = ["run", "point", "status", "time (s)", *params, *collected]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for r in runs:
        duration = r.duration
        cells = [
            f'<td class="l"><code>{escape(r.id)}</code></td>',
            f'<td class="l">{escape(r.label or "(defaults)")}</td>',
            f'<td class="l {escape(r.status)}" title="{escape(r.error)}">{escape(r.status)}'
            + (f" (cell {r.cell})" if r.cell else "")
            + "</td>",
            f"<td>{'' if duration is None else f'{duration:.2f}'}</td>",
            *[f"<td>{escape(_text(r.parameters.get(p)))}</td>" for p in params],
            *[f"<td>{escape(_text(r.collected.get(c)))}</td>" for c in collected],
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _plot(runs: Sequence[RunRecord], param: str, value: str) -> str:
    """An SVG scatter of ``value`` against ``param`` with the line through the means."""
    data = [
        (r.parameters.get(param), float(r.collected[value]), r.label or r.id)
        for r in runs
        if _is_number(r.collected.get(value)) and param in r.parameters
    ]
    xs = [x for x, _, _ in data]
    numeric_x = all(_is_number(x) for x in xs)
    categories = sorted({_key(x) for x in xs}, key=lambda k: (numeric_x and float(k), k))
    if numeric_x:
        lo_x, hi_x = min(float(x) for x in xs), max(float(x) for x in xs)
        position = {k: float(k) for k in categories}
    else:
        lo_x, hi_x = 0.0, max(len(categories) - 1, 1)
        position = {k: float(i) for i, k in enumerate(categories)}
    ys = [y for _, y, _ in data]
    lo_y, hi_y = min(ys), max(ys)
    sx = _scale(lo_x, hi_x, LEFT, W - RIGHT)
    sy = _scale(lo_y, hi_y, H - BOTTOM, TOP)
    out = [
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'role="img" aria-label="{escape(value)} against {escape(param)}">'
    ]
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" '
        f'height="{H - TOP - BOTTOM}" fill="none" stroke="#bbb"/>'
    )
    for tick in _ticks(lo_y, hi_y):
        y = sy(tick)
        out.append(
            f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#888"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:.4g}</text>'
        )
    few = len(categories) <= 8  # then the values themselves are the ticks
    ticks = (
        [(t, f"{t:.4g}") for t in _ticks(lo_x, hi_x)]
        if numeric_x and not few
        else [(position[k], k) for k in categories]
    )
    for x_value, label in ticks:
        x = sx(x_value)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{H - BOTTOM}" y2="{H - BOTTOM + 4}" '
            f'stroke="#888"/><text x="{x:.1f}" y="{H - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(label[:12])}</text>'
        )
    means = []
    for k in categories:
        values = [y for x, y, _ in data if _key(x) == k]
        means.append((sx(position[k]), sy(sum(values) / len(values))))
    if len(means) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in means)
        out.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>')
    for x, y, label in data:
        cx, cy = sx(position[_key(x)]), sy(y)
        out.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#1f6feb" '
            f'fill-opacity="0.6"><title>{escape(label)}: {y:.6g}</title></circle>'
        )
    out.append(
        f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 8}" text-anchor="middle">'
        f"{escape(param)}</text>"
    )
    out.append("</svg>")
    out.append(f"<figcaption>{escape(value)} against {escape(param)}</figcaption></figure>")
    return "".join(out)


def _scale(lo: float, hi: float, a: float, b: float):
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.05
    lo, hi = lo - pad, hi + pad
    return lambda v: a + (v - lo) * (b - a) / (hi - lo)


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi == lo:
        return [lo]
    step = (hi - lo) / count
    return [lo + i * step for i in range(count + 1)]


def _numeric(runs: Sequence[RunRecord], name: str) -> bool:
    values = [r.collected[name] for r in runs if name in r.collected]
    return bool(values) and all(_is_number(v) for v in values)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
