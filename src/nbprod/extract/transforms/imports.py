"""Imports hoisted to the top of the module, deduplicated, unused ones removed, isort-grouped.

:func:`take_imports` removes the top-level ``import`` statements of a cell (imports inside ``if``
or ``try`` blocks and functions stay where they are: they are conditional) and returns them as
:class:`Import` records; :func:`render_imports` writes the block: ``__future__``, standard library,
third party, local modules, ``import x`` before ``from x import y``, names of one module merged,
and only the names the module reads (star imports are always kept).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from nbprod.extract.transforms.cst import code_of


@dataclass(frozen=True, order=True)
class Import:
    """One imported name. ``import numpy as np`` -> module "numpy", name None, asname "np"."""

    module: str  # dotted; leading dots for relative imports
    name: str | None  # from-imports: the imported name ("*" for a star import)
    asname: str | None
    cell: int = 0

    @property
    def bound(self) -> str:
        """The name the import binds (``*`` for a star import)."""
        if self.asname:
            return self.asname
        return self.name if self.name is not None else self.module.split(".")[0]

    @property
    def qualified(self) -> str:
        if self.name is None:
            return self.module if self.asname else self.module.split(".")[0]
        return f"{self.module}.{self.name}"

    @property
    def top(self) -> str:
        return self.module.lstrip(".").split(".")[0]

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.module, self.name, self.asname)


def take_imports(module: cst.Module, cell: int) -> tuple[cst.Module, list[Import]]:
    """Remove the top-level imports of a cell; return the rest and the imports."""
    found: list[Import] = []
    body: list[cst.BaseStatement] = []
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            body.append(stmt)
            continue
        kept = []
        for small in stmt.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                found.extend(_records(small, cell))
            else:
                kept.append(small)
        if len(kept) == len(stmt.body):
            body.append(stmt)
        elif kept:
            last = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            body.append(stmt.with_changes(body=[*kept[:-1], last]))
    return module.with_changes(body=body), found


def _records(node: cst.Import | cst.ImportFrom, cell: int) -> Iterable[Import]:
    if isinstance(node, cst.Import):
        for alias in node.names:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            yield Import(code_of(alias.name), None, asname, cell)
        return
    module = "." * len(node.relative) + (code_of(node.module) if node.module else "")
    if isinstance(node.names, cst.ImportStar):
        yield Import(module, "*", None, cell)
        return
    for alias in node.names:
        asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
        yield Import(module, code_of(alias.name), asname, cell)


def render_imports(
    imports: Iterable[Import], used: set[str], local: frozenset[str] = frozenset()
) -> str:
    """The import block for ``imports`` that bind a name in ``used`` (``local``: top-level
    names of modules that live beside the notebook)."""
    unique: dict[tuple, Import] = {}
    for imp in imports:
        if imp.bound == "*" or imp.bound in used or imp.module == "__future__":
            unique.setdefault(imp.key, imp)
    groups: dict[int, list[Import]] = {}
    for imp in unique.values():
        groups.setdefault(_group(imp, local), []).append(imp)
    blocks = []
    for _, members in sorted(groups.items()):
        lines = sorted(
            f"import {i.module}" + (f" as {i.asname}" if i.asname else "")
            for i in members
            if i.name is None
        )
        by_module: dict[str, list[str]] = {}
        for i in members:
            if i.name is not None:
                by_module.setdefault(i.module, []).append(
                    i.name + (f" as {i.asname}" if i.asname else "")
                )
        for module, names in sorted(by_module.items()):
            if "*" in names:  # `from m import *, x` is not Python: the star on its own line
                lines.append(f"from {module} import *")
            named = sorted(set(names) - {"*"}, key=lambda n: (n.lower(), n))
            if named:
                lines.append(f"from {module} import {', '.join(named)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _group(imp: Import, local: frozenset[str]) -> int:
    if imp.module == "__future__":
        return 0
    if imp.module.startswith(".") or imp.top in local:
        return 3
    return 1 if imp.top in sys.stdlib_module_names else 2
