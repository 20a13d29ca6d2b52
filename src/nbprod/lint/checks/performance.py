"""NB6xx performance: pandas used one row at a time, or in ways that copy or mislead."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterator

from nbprod.lint.checks.common import dotted, keyword, loops, parsed_cells
from nbprod.lint.registry import Context, Finding, check
from nbprod.notebook.dataflow import root_name

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})


def _range_len_target(loop: ast.AST) -> tuple[str, str] | None:
    """``for i in range(len(df))`` -> ("i", "df")."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(loop.target, ast.Name):
        return None
    it = loop.iter
    if (
        isinstance(it, ast.Call)
        and dotted(it.func) == "range"
        and len(it.args) == 1
        and isinstance(it.args[0], ast.Call)
        and dotted(it.args[0].func) == "len"
        and len(it.args[0].args) == 1
    ):
        frame = dotted(it.args[0].args[0])
        return (loop.target.id, frame) if frame else None
    return None


def _indexes_rows(body: list[ast.stmt], frame: str) -> bool:
    """Does ``body`` index ``frame`` with a pandas indexer (``df.iloc[i]``, ``df["a"].loc[i]``)?"""
    for stmt in body:
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in _INDEXERS
                and root_name(node.value) == frame.split(".")[0]
            ):
                return True
    return False


@check("NB601")
def row_iteration(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for call in p.calls():
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in ("iterrows", "itertuples"):
                yield p.finding(
                    "NB601",
                    f"`{p.text(func)}()` walks the frame row by row in Python (100x slower "
                    "than column operations): vectorise, or use `.apply`/`.map` at worst",
                    call,
                )
        for loop in loops(p):
            target = _range_len_target(loop)
            if target and _indexes_rows(loop.body, target[1]):
                yield p.finding(
                    "NB601",
                    f"`for {target[0]} in range(len({target[1]}))` indexes `{target[1]}` row by "
                    "row: use column operations on the whole frame",
                    loop,
                )


def _is_chained(target: ast.AST) -> bool:
    """``df["a"][0] = ...``, ``df.loc[m]["a"] = ...``, ``df["a"].iloc[0] = ...``."""
    if not isinstance(target, ast.Subscript):
        return False
    inner = target.value
    if isinstance(inner, ast.Attribute) and inner.attr in _INDEXERS:
        inner = inner.value  # df["a"].iloc[0] = ...
        return isinstance(inner, ast.Subscript) and _is_label(inner.slice)
    if not isinstance(inner, ast.Subscript):
        return False
    indexed = inner.value
    return (isinstance(indexed, ast.Attribute) and indexed.attr in _INDEXERS) or _is_label(
        inner.slice
    )


def _is_label(node: ast.AST) -> bool:
    """A column label or list of labels (strings)."""
    if isinstance(node, ast.List):
        return bool(node.elts) and all(_is_label(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _dicts(nb: Notebook) -> set[str]:
    """Names assigned a dict anywhere (``d = {}``, ``dict(...)``, ``defaultdict(...)``): nested
    dicts are indexed twice legitimately."""
    out = set()
    for p in parsed_cells(nb):
        for node in p.of(ast.Assign):
            if isinstance(node.value, (ast.Dict, ast.DictComp)) or (
                isinstance(node.value, ast.Call)
                and (dotted(node.value.func) or "").split(".")[-1]
                in ("dict", "defaultdict", "OrderedDict", "load", "loads")
            ):
                out.update(root_name(t) for t in node.targets)
    return out


@check("NB602")
def chained_assignment(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    dicts = _dicts(nb)
    for p in parsed_cells(nb):
        for node in p.of(ast.Assign, ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign):
                targets = [node.target]
            for target in targets:
                if _is_chained(target) and root_name(target) not in dicts:
                    yield p.finding(
                        "NB602",
                        f"chained assignment `{p.text(target)} = ...` may write to a temporary "
                        "copy (and never does under pandas copy-on-write): use one "
                        "`.loc[row, column] = ...`",
                        target,
                    )


@check("NB603")
def inplace_true(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for call in p.calls():
            value = keyword(call, "inplace")
            if isinstance(value, ast.Constant) and value.value is True:
                yield p.finding(
                    "NB603",
                    f"`{p.text(call.func)}(..., inplace=True)` rarely saves memory, returns "
                    "None and breaks re-running the cell: assign the result instead",
                    call,
                )


@check("NB604")
def row_wise_apply(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for call in p.calls():
            axis = keyword(call, "axis")
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "apply"
                and isinstance(axis, ast.Constant)
                and axis.value in (1, "columns")
            ):
                yield p.finding(
                    "NB604",
                    f"`{p.text(call.func)}(..., axis={axis.value!r})` calls Python once per row: "
                    "use vectorised column operations (`np.where`, arithmetic, `.str`, `.dt`)",
                    call,
                )
