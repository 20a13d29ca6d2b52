"""The human format: one line per diagnostic, then a one-line summary (ruff/flake8 style).

``PATH:cell N:LINE:COL: NB123 message`` where N is the 1-based cell number counting every cell
(markdown and raw included, as Jupyter shows them) and LINE:COL is the position inside the cell.
A finding about the whole notebook has no cell: ``PATH:LINE:COL: NB123 message`` with the
physical position in the ``.ipynb`` file (usually 1:1).
"""

from __future__ import annotations

from nbprod.report import Diagnostic, Report, counts, plural


def location(d: Diagnostic) -> str:
    """``PATH:cell N:LINE:COL`` or, for a notebook-level diagnostic, ``PATH:LINE:COL``."""
    if d.cell is None:
        return f"{d.path}:{d.line}:{d.column}"
    return f"{d.path}:cell {d.cell.number}:{d.cell.line}:{d.cell.column}"


def summary(report: Report) -> str:
    remaining = len(report.diagnostics)
    if report.fixed:
        total = remaining + report.fixed
        return f"Found {plural(total, 'problem')} ({report.fixed} fixed, {remaining} remaining)."
    if remaining:
        notebooks = len({d.path for d in report.diagnostics})
        line = f"Found {plural(remaining, 'problem')} in {plural(notebooks, 'notebook')}."
        fixable = sum(d.fixable for d in report.diagnostics)
        return line + (f" {fixable} fixable with --fix." if fixable else "")
    if report.errors:
        return f"No problems found, but {plural(len(report.errors), 'error')} occurred."
    if not report.files:
        return "No notebooks found."
    return f"All checks passed ({plural(report.files, 'notebook')})."


def render(report: Report) -> str:
    lines = [f"{location(d)}: {d.code} {d.message}" for d in report.diagnostics]
    return "\n".join([*lines, summary(report)]) + "\n"


def statistics(report: Report) -> str:
    """``COUNT<tab>CODE<tab>[*] name`` per code; ``[*]`` marks rules ``--fix`` can fix."""
    rows = counts(report)
    width = max((len(str(r.count)) for r in rows), default=0)
    return "".join(
        f"{r.count:>{width}}\t{r.code}\t{'[*]' if r.fixable else '   '} {r.name}".rstrip() + "\n"
        for r in rows
    )
