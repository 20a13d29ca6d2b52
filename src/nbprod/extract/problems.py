"""What extraction reports about a notebook: refusals and the notes of what it changed.

A :class:`Problem` is something that cannot be translated faithfully; it makes extraction refuse
unless ``--allow-partial``, in which case the construct is dropped and the problem becomes a
warning. A :class:`Note` records one decision (a magic translated, a literal lifted into the
config, a name renamed...) for the report. Both carry the cell position used in every message:
``PATH:cell N:LINE:COL``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    cell: int  # 1-based cell number (0: the whole notebook)
    line: int
    column: int
    message: str

    def format(self, path: str, partial: bool = False) -> str:
        where = f"{path}:cell {self.cell}:{self.line}:{self.column}" if self.cell else path
        if partial:
            return f"{where}: warning: {self.message} (dropped: --allow-partial)"
        return f"{where}: error: {self.message}"


@dataclass(frozen=True, order=True)
class Note:
    cell: int
    line: int
    kind: str  # magic, display, lifted, renamed, globals, plot, import, parameter
    message: str

    def format(self) -> str:
        return f"cell {self.cell}:{self.line}: {self.message}"


class Log:
    """Collects problems and notes while a notebook is planned (one per extraction)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.notes: list[Note] = []

    def refuse(self, cell: int, line: int, column: int, message: str) -> None:
        self.problems.append(Problem(cell, line, column, message))

    def note(self, cell: int, line: int, kind: str, message: str) -> None:
        self.notes.append(Note(cell, line, kind, message))
