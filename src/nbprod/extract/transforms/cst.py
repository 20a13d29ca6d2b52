"""Small helpers shared by the transformers: source of a node, its ``ast`` for analysis, and a
transformer that renames only the names a statement *reads*.

libcst is used to rewrite code losslessly; questions about what a fragment reads or calls are
answered with ``ast`` on that fragment's source (exact load/store contexts, ~50x cheaper than
libcst's metadata providers).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping

import libcst as cst

_EMPTY = cst.Module(body=[])
#: id(node) -> (node, source, ast); nodes are immutable, and holding them keeps ids unique
_CACHE: dict[int, tuple[cst.CSTNode, str, ast.AST | None]] = {}


def code_of(node: cst.CSTNode) -> str:
    """The source of a libcst node (a statement or an expression)."""
    return _cached(node)[1]


def _cached(node: cst.CSTNode) -> tuple[cst.CSTNode, str, ast.AST | None]:
    found = _CACHE.get(id(node))
    if found is None or found[0] is not node:
        if len(_CACHE) > 50_000:
            _CACHE.clear()
        found = _CACHE[id(node)] = (node, _EMPTY.code_for_node(node), None)
    return found


def statements_code(statements: list[cst.BaseStatement] | tuple[cst.BaseStatement, ...]) -> str:
    """The source of a module of ``statements`` (each statement's source is usually cached
    already: its ``ast`` was needed)."""
    return "".join(code_of(s) for s in statements) or "\n"


def ast_of(node: cst.CSTNode) -> ast.AST:
    """The ``ast`` of a libcst statement or expression (for analysis only; cached, do not
    modify it)."""
    _, source, tree = _cached(node)
    if tree is None:
        if isinstance(node, cst.BaseExpression):
            tree = ast.parse(source.strip(), mode="eval").body
        else:
            tree = ast.parse(_dedent(source))
        _CACHE[id(node)] = (node, source, tree)
    return tree


def _dedent(source: str) -> str:
    import textwrap

    return textwrap.dedent(source)


def loaded_names(tree: ast.AST) -> Iterator[str]:
    """Names read anywhere in ``tree`` (also in nested functions and comprehensions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            yield node.id


def dotted(node: ast.AST) -> list[str] | None:
    """``plt.style.use`` -> ["plt", "style", "use"]; None when not a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def call_chain(node: ast.AST) -> list[str]:
    """Attribute names along a call chain, root last: ``df.plot.bar(x)`` -> [bar, plot, df];
    ``sales.groupby("a")["b"].sum()`` -> [sum, groupby, sales]."""
    out: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            out.append(node.attr)
            node = node.value
        elif isinstance(node, (ast.Subscript, ast.Starred)):
            node = node.value
        elif isinstance(node, ast.Name):
            out.append(node.id)
            return out
        else:
            return out


class RenameReads(cst.CSTTransformer):
    """Rename the names a fragment reads (``mapping``: old -> new source text, e.g. ``self.X``).

    Definitions, attribute names, keyword names, parameters, import names and assignment targets
    that are plain names are never renamed; ``skip`` can veto a name at a given node."""

    def __init__(self, mapping: Mapping[str, str], skip: Callable[[cst.Name], bool] | None = None):
        self.mapping = mapping
        self.skip = skip

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        new = self.mapping.get(updated.value)
        if new is None or (self.skip is not None and self.skip(original)):
            return updated
        return cst.parse_expression(new) if "." in new else updated.with_changes(value=new)

    # Names that are not reads: visit only the parts that can hold reads.
    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(value=updated.value.visit(self))

    def visit_Arg(self, node: cst.Arg) -> bool:
        return False

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(value=updated.value.visit(self))

    def visit_Param(self, node: cst.Param) -> bool:
        return False

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        changes = {}
        if updated.default is not None:
            changes["default"] = updated.default.visit(self)
        if updated.annotation is not None:
            changes["annotation"] = updated.annotation.visit(self)
        return updated.with_changes(**changes)

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    def visit_AsName(self, node: cst.AsName) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):
        return updated.with_changes(name=original.name)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef):
        return updated.with_changes(name=original.name)

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget):
        return updated.with_changes(target=_keep_store(original.target, updated.target))

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign):
        return updated.with_changes(target=_keep_store(original.target, updated.target))

    def leave_For(self, original: cst.For, updated: cst.For):
        return updated.with_changes(target=_keep_store(original.target, updated.target))

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor):
        return updated.with_changes(target=_keep_store(original.target, updated.target))

    def leave_NamedExpr(self, original: cst.NamedExpr, updated: cst.NamedExpr):
        return updated.with_changes(target=original.target)

    def leave_ExceptHandler(self, original: cst.ExceptHandler, updated: cst.ExceptHandler):
        return updated.with_changes(name=original.name)


def _keep_store(original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
    """Plain names (and tuples of them) being bound keep their name; subscripts and attributes
    used as targets keep the renamed reads inside them."""
    if isinstance(original, cst.Name):
        return original
    if isinstance(original, (cst.Tuple, cst.List)) and isinstance(updated, type(original)):
        elements = [
            e.with_changes(value=_keep_store(o.value, e.value))
            for o, e in zip(original.elements, updated.elements)
        ]
        return updated.with_changes(elements=elements)
    if isinstance(original, cst.StarredElement) and isinstance(updated, cst.StarredElement):
        return updated.with_changes(value=_keep_store(original.value, updated.value))
    return updated
