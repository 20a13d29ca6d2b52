"""NB7xx scalability: what stops the notebook's work from growing with the data or the grid."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterator

from nbprod.lint.checks.common import aliases, loops, option, parsed_cells, qualified
from nbprod.lint.registry import Context, Finding, check

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict)


def _constants(node: ast.AST) -> int:
    return sum(isinstance(n, ast.Constant) for n in ast.walk(node))


@check("NB701")
def inline_data(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    max_items = option(ctx, "NB701", "max_elements")
    max_chars = option(ctx, "NB701", "max_string_chars")
    for p in parsed_cells(nb):
        constants = p.of(ast.Constant)
        for node in constants:
            if isinstance(node.value, (str, bytes)) and len(node.value) > max_chars:
                yield p.finding(
                    "NB701",
                    f"inline string of {len(node.value)} characters (max {max_chars}): keep "
                    "data in a file and read it",
                    node,
                )
        if len(constants) <= max_items:
            continue  # no literal in this cell can be too large
        inner: set[int] = set()  # literals inside a reported one
        outer_first = sorted(
            p.of(*_CONTAINERS),
            key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset),
        )
        for node in outer_first:
            if id(node) in inner:
                continue
            n = _constants(node)
            if n > max_items:
                inner.update(id(sub) for sub in ast.walk(node))
                yield p.finding(
                    "NB701",
                    f"inline data literal with {n} values (max {max_items}): keep data in "
                    "a file (CSV, Parquet, JSON) and read it",
                    node,
                )


def _grows(stmt: ast.AST, names: dict[str, str]) -> str | None:
    """``df = pd.concat([df, ...])`` / ``df = df.append(...)`` / ``df.loc[len(df)] = row``:
    the name of the frame grown, else None."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, ast.Name) and isinstance(value, ast.Call):
        name = target.id
        if qualified(value.func, names) == "pandas.concat" and value.args:
            first = value.args[0]
            if isinstance(first, (ast.List, ast.Tuple)) and any(
                isinstance(e, ast.Name) and e.id == name for e in first.elts
            ):
                return name
        func = value.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "append"
            and isinstance(func.value, ast.Name)
            and func.value.id == name
        ):
            return name
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "loc"
        and isinstance(target.value.value, ast.Name)
    ):
        frame = target.value.value.id
        index = target.slice
        if (
            isinstance(index, ast.Call)
            and getattr(index.func, "id", None) == "len"
            and index.args
            and getattr(index.args[0], "id", None) == frame
        ):
            return frame
    return None


@check("NB702")
def frame_grown_in_loop(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    names = aliases(nb)
    for p in parsed_cells(nb):
        seen: set[int] = set()  # statements of nested loops are walked once per enclosing loop
        for loop in loops(p):
            for stmt in (n for s in loop.body for n in ast.walk(s)):
                frame = _grows(stmt, names) if id(stmt) not in seen else None
                seen.add(id(stmt))
                if frame:
                    yield p.finding(
                        "NB702",
                        f"`{frame}` is copied and grown on every pass of the loop (quadratic "
                        "time): collect the pieces in a list and `pd.concat` them once",
                        stmt,
                    )


def _fits(body: list[ast.stmt]) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "fit"
        for s in body
        for n in ast.walk(s)
    )


@check("NB703")
def manual_parameter_sweep(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for loop in loops(p):
            if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(
                loop.target, ast.Name
            ):
                continue
            var = loop.target.id
            swept = next(
                (
                    k.arg
                    for s in loop.body
                    for n in ast.walk(s)
                    if isinstance(n, ast.Call)
                    for k in n.keywords
                    if k.arg and isinstance(k.value, ast.Name) and k.value.id == var
                ),
                None,
            )
            if swept and _fits(loop.body):
                yield p.finding(
                    "NB703",
                    f"the loop trains one model per `{swept}` value, one after another: make "
                    f"`{swept}` a parameter and run the grid with `nbprod batch` (parallel, "
                    "each run tracked)",
                    loop,
                )
