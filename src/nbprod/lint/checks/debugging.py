"""NB4xx debugging: code that fails, or hides why it fails, when the notebook runs."""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING, Iterator

from nbprod.lint.checks.common import (
    first_definitions,
    functions,
    is_ambient,
    names_are_knowable,
    parsed_cells,
)
from nbprod.lint.registry import Context, Finding, check

if TYPE_CHECKING:
    from nbprod.notebook import Notebook


@check("NB401")
def syntax_error(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell in nb.code_cells:
        view = nb.view(cell)
        problem = view.syntax_error if view is not None else None
        if problem is not None:
            yield Finding(
                "NB401",
                f"not valid Python ({problem.message}): the cell cannot run, and lint cannot "
                "check it",
                cell.number,
                problem.line,
                problem.column,
            )


@check("NB402")
def undefined_name(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    if not names_are_knowable(nb):
        return
    defined = first_definitions(nb)
    for p in parsed_cells(nb):
        flow = nb.flow(p.cell)
        reads = dict(flow.inputs)
        for fn in flow.functions:
            for name, pos in fn.reads.items():
                reads.setdefault(name, pos)
        for name, (line, col) in reads.items():
            if name not in defined and not is_ambient(name):
                yield Finding(
                    "NB402",
                    f"`{name}` is not defined in any cell: a fresh run stops here with NameError",
                    p.cell.number,
                    line,
                    col,
                )


_BROAD = frozenset({"Exception", "BaseException"})


def _does_nothing(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(s, (ast.Pass, ast.Continue))
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in body
    )


@check("NB403")
def swallowed_exception(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for node in p.of(ast.ExceptHandler):
            if node.type is None:
                yield p.finding(
                    "NB403",
                    "bare `except:` catches every error, even KeyboardInterrupt: name the "
                    "exceptions you expect",
                    node,
                )
            elif (
                isinstance(node.type, ast.Name)
                and node.type.id in _BROAD
                and _does_nothing(node.body)
            ):
                yield p.finding(
                    "NB403",
                    f"`except {node.type.id}:` that does nothing hides every error: catch the "
                    "exceptions you expect, or log and re-raise",
                    node,
                )


_MUTABLE_CALLS = frozenset({"list", "dict", "set", "defaultdict", "OrderedDict", "Counter"})


@check("NB404")
def mutable_default(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for fn in functions(p):
            for default in [*fn.args.defaults, *fn.args.kw_defaults]:
                mutable = isinstance(default, (ast.List, ast.Dict, ast.Set)) or (
                    isinstance(default, ast.Call)
                    and isinstance(default.func, ast.Name)
                    and default.func.id in _MUTABLE_CALLS
                )
                if mutable:
                    name = getattr(fn, "name", "lambda")
                    yield p.finding(
                        "NB404",
                        f"mutable default `{p.text(default, 20)}` of `{name}()` is shared by "
                        "every call: default to None and create it inside",
                        default,
                    )


_BUILTIN_CALLABLES = frozenset(
    name for name in dir(builtins) if name.islower() and not name.startswith("_")
)


@check("NB405")
def builtin_shadowed(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for name, (line, col) in nb.flow(p.cell).defines.items():
            if name in _BUILTIN_CALLABLES:
                yield Finding(
                    "NB405",
                    f"`{name}` hides the builtin `{name}()` in every later cell (and re-runs of "
                    f"earlier ones): rename it",
                    p.cell.number,
                    line,
                    col,
                )
