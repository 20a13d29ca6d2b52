"""The notebook model: frozen values with no I/O.

A :class:`Notebook` holds its cells and the raw JSON text it came from. Derived views are computed
lazily and cached on first use, so a command pays only for what it looks at:

* ``nb.view(cell)``      -> :class:`~nbprod.notebook.magics.PythonView` (code with magics translated)
* ``nb.flow(cell)``      -> :class:`~nbprod.notebook.dataflow.CellFlow` (defines / inputs / mutates)
* ``nb.physical(loc)``   -> (line, column) of a cell position in the ``.ipynb`` text

Numbering used everywhere (and in every user-facing message): cells are numbered from 1 in
notebook order, counting every cell (markdown and raw cells included), as Jupyter and VS Code list
them; lines and columns inside a cell are 1-based.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from nbprod.notebook.dataflow import CellFlow
    from nbprod.notebook.magics import PythonView


@dataclass(frozen=True, order=True)
class Location:
    """A position inside a notebook: cell number (1-based, all cells), line and column (1-based)."""

    cell: int
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Cell:
    """One cell. ``id`` is the notebook's own id, or ``cell-N`` when the file has none (never
    written back)."""

    index: int
    id: str
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()
    outputs: tuple[Mapping[str, Any], ...] = ()
    execution_count: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    has_id: bool = True

    @property
    def number(self) -> int:
        """The 1-based cell number used in messages."""
        return self.index + 1

    @property
    def is_code(self) -> bool:
        return self.cell_type == "code"

    @cached_property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.source.splitlines())


@dataclass(frozen=True)
class Notebook:
    """A loaded, validated notebook (always in nbformat 4 shape in memory)."""

    path: Path
    text: str
    data: Mapping[str, Any]
    cells: tuple[Cell, ...]
    nbformat: int
    nbformat_minor: int

    # -- metadata -----------------------------------------------------------------------------
    @property
    def metadata(self) -> Mapping[str, Any]:
        return self.data.get("metadata", {}) or {}

    @property
    def kernel_name(self) -> str | None:
        spec = self.metadata.get("kernelspec") or {}
        return spec.get("name") if isinstance(spec, dict) else None

    @property
    def language(self) -> str:
        """The kernel language, lower case; ``python`` when the notebook does not say."""
        spec = self.metadata.get("kernelspec") or {}
        info = self.metadata.get("language_info") or {}
        lang = (isinstance(spec, dict) and spec.get("language")) or (
            isinstance(info, dict) and info.get("name")
        )
        return str(lang or "python").lower()

    @property
    def is_python(self) -> bool:
        return self.language in ("python", "python3", "python2", "ipython")

    @cached_property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.is_code)

    @cached_property
    def parameters_cell(self) -> Cell | None:
        """The first code cell tagged ``parameters`` (papermill's convention)."""
        return next((c for c in self.code_cells if "parameters" in c.tags), None)

    # -- lazily derived views ------------------------------------------------------------------
    @cached_property
    def _views(self) -> dict[int, PythonView]:
        from nbprod.notebook.magics import python_view

        return {c.index: python_view(c.source) for c in self.code_cells} if self.is_python else {}

    def view(self, cell: Cell) -> PythonView | None:
        """The Python view of a code cell (None for other cells and non-Python notebooks)."""
        return self._views.get(cell.index)

    @cached_property
    def parsed(self) -> tuple[tuple[Cell, PythonView], ...]:
        """(cell, view) of every code cell whose Python view parses, in order."""
        views = self._views
        return tuple(
            (c, views[c.index]) for c in self.code_cells if views.get(c.index) and views[c.index].tree
        )

    @cached_property
    def _flows(self) -> dict[int, CellFlow]:
        from nbprod.notebook.dataflow import cell_flow

        flows = {}
        for index, view in self._views.items():
            flow = cell_flow(view)
            if flow is not None:
                flows[index] = flow
        return flows

    def flow(self, cell: Cell) -> CellFlow | None:
        """The dataflow of a code cell (None when it is not Python or does not parse)."""
        return self._flows.get(cell.index)

    # -- source map to the physical .ipynb text -------------------------------------------------
    @cached_property
    def _source_tokens(self) -> list[list[tuple[int, str]]]:
        from nbprod.notebook.jsonpos import source_string_offsets

        return source_string_offsets(self.text)

    @cached_property
    def _line_starts(self) -> list[int]:
        import re

        return [0, *(m.end() for m in re.finditer("\n", self.text))]

    def physical(self, loc: Location) -> tuple[int, int]:
        """The (line, column), 1-based, in the ``.ipynb`` text of a cell position.

        Falls back to the line of the cell's ``source`` key when the position cannot be mapped
        exactly (e.g. a file whose cell sources are not where nbformat writes them)."""
        from nbprod.notebook.jsonpos import escaped_length

        tokens = self._source_tokens
        if not 0 < loc.cell <= len(tokens) or not tokens[loc.cell - 1]:
            return (1, 1)
        strings = tokens[loc.cell - 1]
        # Each JSON string holds one or more source lines: walk them in order.
        line_no = 1
        for offset, raw in strings:
            pieces = raw.split("\n")
            # a string "a\n" holds one line; "a\nb" (single-string form) holds two.
            count = len(pieces) - 1 if raw.endswith("\n") else len(pieces)
            if loc.line < line_no + count or (offset, raw) == strings[-1]:
                within = min(loc.line - line_no, len(pieces) - 1)
                prefix = "\n".join(pieces[:within]) + ("\n" if within else "")
                prefix += pieces[within][: max(loc.column - 1, 0)]
                absolute = offset + 1 + escaped_length(prefix)
                row = bisect_right(self._line_starts, absolute) - 1
                return (row + 1, absolute - self._line_starts[row] + 1)
            line_no += count
        return (1, 1)  # pragma: no cover - loop always returns on the last string
