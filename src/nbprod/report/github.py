"""GitHub Actions workflow commands: one annotation per diagnostic, on the physical line.

``::warning file=PATH,line=L,col=C,title=NB123::cell N:LINE:COL: message``; the level follows the
rule's severity (error, warning, or notice for info). Values are escaped as the Actions runner
expects (``%``, CR and LF in the message; also ``:`` and ``,`` in properties).
"""

from __future__ import annotations

from nbprod.report import Report

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for d in report.diagnostics:
        where = f"cell {d.cell.number}:{d.cell.line}:{d.cell.column}: " if d.cell else ""
        lines.append(
            f"::{_LEVELS.get(d.severity, 'warning')} file={_property(d.path)},line={d.line},"
            f"col={d.column},title={_property(d.code)}::{_data(where + d.message)}"
        )
    return "".join(line + "\n" for line in lines)
