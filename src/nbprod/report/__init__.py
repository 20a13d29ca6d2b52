"""Diagnostics and the formats they are printed in: one registry shared by lint, hooks and assess.

A :class:`Diagnostic` is a finding already placed in a file: its code, message and severity, its
cell position (cell number counting every cell, line and column in the cell, cell id) and its
physical position (line and column in the file's text). A formatter turns a :class:`Report` into
text; it never computes positions and never touches a notebook, so a cached lint run can print
without loading one. Formats are registered by name in :data:`FORMATS` and imported when used::

    text    PATH:cell N:LINE:COL: NB123 message     (PATH:LINE:COL: for notebook-level findings)
    json    a list of objects with cell and physical positions, rule name, severity, limitation
    sarif   SARIF 2.1.0 for GitHub code scanning (physical region, cell position in properties)
    github  ::warning file=PATH,line=L,col=C,title=NB123::message  (GitHub Actions annotations)
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping

#: format name -> "module:function" taking a Report and returning the text to print
FORMATS: dict[str, str] = {
    "text": "nbprod.report.text:render",
    "json": "nbprod.report.json:render",
    "sarif": "nbprod.report.sarif:render",
    "github": "nbprod.report.github:render",
}
#: the formats that show physical positions; for the others a cell's diagnostics need none
PHYSICAL = frozenset({"json", "sarif", "github"})
#: format name -> "module:function" printing the count per code (``--statistics``)
STATISTICS: dict[str, str] = {
    "text": "nbprod.report.text:statistics",
    "json": "nbprod.report.json:statistics",
}


@dataclass(frozen=True, order=True)
class CellPosition:
    """Where a diagnostic sits in a notebook's cells (1-based; ``number`` counts every cell)."""

    number: int
    line: int
    column: int
    id: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one file. ``line``/``column`` are physical (1-based, in the file's text);
    ``cell`` is None for a finding about the whole file. A finding in a cell has no physical
    position (None) when it was placed for a format that does not show one (see PHYSICAL)."""

    path: str
    code: str
    message: str
    line: int | None = 1
    column: int | None = 1
    cell: CellPosition | None = None
    severity: str = "warning"
    name: str = ""
    limitation: str = ""
    fixable: bool = False

    @property
    def sort_key(self) -> tuple:
        cell = self.cell
        position = (cell.number, cell.line, cell.column) if cell else (0, self.line, self.column)
        return (self.path, *position, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_dict`` reads it back; the cache stores it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diagnostic:
        cell = data.get("cell")
        return cls(**{**data, "cell": CellPosition(**cell) if cell else None})


@dataclass(frozen=True)
class RuleInfo:
    """What a formatter may say about a rule (SARIF's ``tool.driver.rules``, statistics)."""

    code: str
    name: str
    summary: str
    severity: str = "warning"
    limitation: str = ""
    why: str = ""
    fixable: bool = False
    help_markdown: str = ""


@dataclass(frozen=True)
class Report:
    """Everything one run prints: diagnostics (sorted), the one-line errors about files that could
    not be checked, and the rules that were applied."""

    diagnostics: tuple[Diagnostic, ...]
    errors: tuple[str, ...] = ()
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    tool: str = "nbprod"
    version: str = ""
    files: int = 0  # how many files were checked
    fixed: int = 0  # how many problems ``--fix`` removed


def _load(registry: Mapping[str, str], name: str) -> Callable[[Report], str]:
    module, _, attr = registry[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def render(report: Report, format: str) -> str:
    """The report as text in ``format`` (one of :data:`FORMATS`)."""
    return _load(FORMATS, format)(report)


def render_statistics(report: Report, format: str) -> str:
    """The count of diagnostics per code in ``format`` (one of :data:`STATISTICS`)."""
    return _load(STATISTICS, format)(report)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Count:
    """One row of ``--statistics``."""

    code: str
    count: int
    name: str
    fixable: bool


def counts(report: Report) -> list[Count]:
    """Diagnostics per code, most frequent first, then by code."""
    tally: dict[str, int] = {}
    for d in report.diagnostics:
        tally[d.code] = tally.get(d.code, 0) + 1
    rows = []
    for code, n in sorted(tally.items(), key=lambda item: (-item[1], item[0])):
        rule = report.rules.get(code)
        rows.append(Count(code, n, rule.name if rule else "", bool(rule and rule.fixable)))
    return rows
