"""Suppressions: where a user silences a finding, and the test whether a finding is silenced.

Three places, each taking codes or prefixes (``NB1`` = every NB1xx rule):

* **line**: a comment at the end of the flagged line in the cell, ``# noqa`` (every rule) or
  ``# noqa: NB101, NB203`` (flake8/ruff syntax; other tools' codes are ignored);
* **cell**: a cell tag ``nbprod-ignore`` (every rule) or ``nbprod-ignore-NB101`` (one tag per code:
  Jupyter tags cannot hold spaces or commas);
* **notebook**: notebook metadata ``{"nbprod": {"ignore": ["NB101", "NB2"]}}``, or a comment line
  ``# nbprod: ignore NB101, NB2`` (bare: every rule) anywhere in the first code cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from nbprod.lint.config import selected_by

if TYPE_CHECKING:
    from nbprod.lint.registry import Finding
    from nbprod.notebook import Notebook

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_DIRECTIVE = re.compile(r"^\s*#\s*nbprod:\s*ignore\b(?P<codes>.*)$", re.M | re.I)
_TAG = "nbprod-ignore"
ALL = ("ALL",)


def _codes(text: str | None) -> tuple[str, ...]:
    """Codes in ``text`` separated by commas or spaces; none at all means every rule."""
    codes = tuple(c.upper() for c in re.split(r"[\s,]+", text or "") if c)
    return codes or ALL


def line_codes(line: str) -> tuple[str, ...]:
    """The codes a ``# noqa`` comment on ``line`` silences (empty: no such comment)."""
    match = _NOQA.search(line)
    return _codes(match.group("codes")) if match else ()


def tag_codes(tags: tuple[str, ...]) -> tuple[str, ...]:
    """The codes a cell's ``nbprod-ignore[-CODE]`` tags silence."""
    out: list[str] = []
    for tag in tags:
        if tag == _TAG:
            return ALL
        if tag.startswith(_TAG + "-"):
            out.append(tag[len(_TAG) + 1 :].upper())
    return tuple(out)


def notebook_codes(nb: Notebook) -> tuple[str, ...]:
    """The codes silenced for the whole notebook (metadata and first-code-cell directive)."""
    out: list[str] = []
    settings = nb.metadata.get("nbprod")
    ignore = settings.get("ignore") if isinstance(settings, Mapping) else None
    if isinstance(ignore, str):
        ignore = [ignore]
    if isinstance(ignore, list):
        out.extend(c.upper() for c in ignore if isinstance(c, str))
    first = nb.code_cells[0] if nb.code_cells else None
    if first is not None:
        for match in _DIRECTIVE.finditer(first.source):
            out.extend(_codes(match.group("codes").split("#")[0]))
    return tuple(out)


@dataclass(frozen=True)
class Suppressions:
    """Everything one notebook silences; ``silences(finding)`` is the test."""

    nb: Notebook
    notebook: tuple[str, ...]

    def silences(self, finding: Finding) -> bool:
        code = finding.code
        if selected_by(code, self.notebook):
            return True
        if finding.cell is None or not 0 < finding.cell <= len(self.nb.cells):
            return False
        cell = self.nb.cells[finding.cell - 1]
        if selected_by(code, tag_codes(cell.tags)):
            return True
        lines = cell.lines
        return 0 < finding.line <= len(lines) and selected_by(
            code, line_codes(lines[finding.line - 1])
        )


def suppressions(nb: Notebook) -> Suppressions:
    return Suppressions(nb, notebook_codes(nb))
