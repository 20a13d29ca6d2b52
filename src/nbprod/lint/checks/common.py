"""What several checks share: parsed cells, positions, qualified call names, literal tests.

Everything here reads the one notebook model (``nb.view``, ``nb.flow``); nothing re-parses cells.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from nbprod.lint.registry import Context, Finding, load_rules
from nbprod.notebook.dataflow import BUILTINS

if TYPE_CHECKING:
    from nbprod.notebook import Cell, Notebook
    from nbprod.notebook.magics import Magic, PythonView


class Parsed(NamedTuple):
    """A code cell whose Python view parses (a tuple: checks make thousands of them)."""

    cell: Cell
    view: PythonView
    tree: ast.Module

    def pos(self, node: ast.AST) -> tuple[int, int]:
        """The cell (line, column) of an ast node of this cell's view."""
        return self.view.to_cell(node.lineno, node.col_offset + 1)

    def finding(self, code: str, message: str, node: ast.AST, **kw: Any) -> Finding:
        line, column = self.pos(node)
        return Finding(code, message, self.cell.number, line, column, **kw)

    def text(self, node: ast.AST, limit: int = 40) -> str:
        """The code of ``node`` as written (unparsed), shortened to ``limit`` characters."""
        return shorten(ast.unparse(node), limit)

    def walk(self) -> tuple[ast.AST, ...]:
        """Every node of the cell (walked once per cell, by the model)."""
        return self.view.nodes

    def of(self, *types: type[ast.AST]) -> tuple[Any, ...]:
        """The cell's nodes of these exact types (indexed once per cell, by the model)."""
        return self.view.nodes_of(*types)

    def calls(self) -> tuple[ast.Call, ...]:
        return self.view.nodes_of(ast.Call)


def parsed_cells(nb: Notebook) -> Iterator[Parsed]:
    """Every code cell of a Python notebook whose view parses, in order."""
    for cell, view in nb.parsed:
        yield Parsed(cell, view, view.tree)


def magics(nb: Notebook) -> Iterator[tuple[Cell, Magic]]:
    """Every magic of every code cell, in order."""
    for cell in nb.code_cells:
        view = nb.view(cell)
        for magic in view.magics if view is not None else ():
            yield cell, magic


def option(ctx: Context, code: str, key: str) -> Any:
    """A rule option: the configured value, or the default documented in the catalogue."""
    return ctx.setting(code, key, load_rules()[code].options[key])


def shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- names ----------------------------------------------------------------------------------------


def dotted(node: ast.AST) -> str | None:
    """``np.random.seed`` -> ``"np.random.seed"`` (None unless a plain Name/Attribute chain)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def aliases(nb: Notebook) -> dict[str, str]:
    """Imported name -> qualified name over the whole notebook (``np`` -> ``numpy``)."""
    out: dict[str, str] = {}
    for p in parsed_cells(nb):
        flow = nb.flow(p.cell)
        for imp in flow.imports if flow is not None else ():
            if not imp.is_star:
                out.setdefault(imp.name, imp.qualified)
    return out


def qualified(node: ast.AST, names: dict[str, str]) -> str | None:
    """The qualified dotted name of ``node`` through the notebook's imports.

    ``np.random.rand`` -> ``numpy.random.rand``; names not imported are returned as written."""
    name = dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head in names:
        return names[head] + ("." + rest if rest else "")
    return name


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


# -- where names come from ----------------------------------------------------------------------

#: names IPython defines in every session, and magics that define names lint cannot see
_IPYTHON_NAMES = re.compile(r"_+|_i+|_\d+|_i\d+|_ih|_oh|_dh|exit|quit")
_DYNAMIC_MAGICS = frozenset({"run", "store", "pylab", "load", "loadpy", "sql", "R"})
_DYNAMIC_CALLS = frozenset({"globals", "locals", "vars", "exec", "execfile", "__import__"})


def names_are_knowable(nb: Notebook) -> bool:
    """False when names may come from where lint cannot see (star imports, ``%run``, ``exec``,
    ``globals()[...]``)."""
    if any(m.name in _DYNAMIC_MAGICS for _, m in magics(nb)):
        return False
    for p in parsed_cells(nb):
        flow = nb.flow(p.cell)
        if flow is not None and any(i.is_star for i in flow.imports):
            return False
        if any(isinstance(c.func, ast.Name) and c.func.id in _DYNAMIC_CALLS for c in p.calls()):
            return False
    return all(nb.view(c) is not None and nb.view(c).tree is not None for c in nb.code_cells)


def first_definitions(nb: Notebook) -> dict[str, int]:
    """Name -> number of the first cell that defines it at module level."""
    first: dict[str, int] = {}
    for p in parsed_cells(nb):
        for name in nb.flow(p.cell).defines:
            first.setdefault(name, p.cell.number)
    return first


def is_ambient(name: str) -> bool:
    """Builtins and the names IPython puts in every session."""
    return name in BUILTINS or _IPYTHON_NAMES.fullmatch(name) is not None


# -- literals -------------------------------------------------------------------------------------


def is_literal(node: ast.AST) -> bool:
    """A constant, or a container/negation/simple arithmetic of constants (``-1``, ``[1, 2]``,
    ``1e-3``, ``2**10``, ``{"a": 1}``)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return is_literal(node.operand)
    if isinstance(node, ast.BinOp):
        return is_literal(node.left) and is_literal(node.right)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(is_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and is_literal(k) for k in node.keys) and all(
            is_literal(v) for v in node.values
        )
    return False


def is_number(node: ast.AST) -> bool:
    """An int or float literal (not a bool), possibly negated."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    )


def string_value(node: ast.AST) -> str | None:
    """The text of a string constant, or the leading constant text of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def docstring_nodes(p: Parsed) -> set[int]:
    """ids of the string constants that are docstrings or bare string statements."""
    return {id(node.value) for node in p.of(ast.Expr) if isinstance(node.value, ast.Constant)}


def functions(p: Parsed) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, ...]:
    return p.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def loops(p: Parsed) -> tuple[ast.For | ast.AsyncFor | ast.While, ...]:
    return p.of(ast.For, ast.AsyncFor, ast.While)
