"""The machine format: a JSON list with one object per diagnostic.

Each object has ``path``, ``code``, ``name`` (the rule's name), ``severity``, ``limitation``,
``message``, ``fixable``, ``cell`` (``{"number", "id", "line", "column"}``, null for a finding
about the whole notebook) and ``physical`` (``{"line", "column"}`` in the ``.ipynb`` text).
"""

from __future__ import annotations

import json
from dataclasses import asdict

from nbprod.report import Diagnostic, Report, counts


def _entry(d: Diagnostic) -> dict:
    cell = d.cell
    return {
        "path": d.path,
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "limitation": d.limitation,
        "message": d.message,
        "fixable": d.fixable,
        "cell": (
            {"number": cell.number, "id": cell.id, "line": cell.line, "column": cell.column}
            if cell
            else None
        ),
        "physical": {"line": d.line, "column": d.column},
    }


def render(report: Report) -> str:
    return json.dumps([_entry(d) for d in report.diagnostics], indent=2, ensure_ascii=False) + "\n"


def statistics(report: Report) -> str:
    rows = [asdict(r) for r in counts(report)]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
