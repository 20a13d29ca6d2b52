"""Dataflow of a code cell, built on ``ast`` (evaluation order) and ``symtable`` (scoping).

For each cell: the names it defines at module level, the names it reads before defining them
(its inputs), the names it mutates in place (``df["a"] = ...``, ``obj.x = ...``, ``lst.append``,
``inplace=True``, ``model.fit``), its imports with qualified names, and for every function or class
it defines, the module-level names that function reads or mutates when it runs.

All positions are cell positions (1-based line and column), already mapped through the view.
libcst's ScopeProvider would do the same ~80x slower (8 s vs 0.1 s on the corpus); libcst is kept
for extract's lossless rewriting.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from dataclasses import dataclass
from typing import Iterator

from nbprod.notebook.magics import PythonView

BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "get_ipython", "display", "In", "Out", "_"}
#: method names that mutate their receiver
MUTATING_METHODS = frozenset(
    "append extend insert pop popitem remove clear update sort reverse setdefault add discard "
    "fit partial_fit fit_transform".split()
)

Pos = tuple[int, int]  # (line, column) in the cell


@dataclass(frozen=True)
class ImportInfo:
    """``import numpy as np`` -> name ``np``, qualified ``numpy``; star imports have name ``*``."""

    name: str
    qualified: str
    line: int
    column: int
    module: str  # the top-level package

    @property
    def is_star(self) -> bool:
        return self.name == "*"


@dataclass(frozen=True)
class FunctionFlow:
    """What a module-level function or class reads and mutates of module scope when it runs."""

    name: str
    kind: str  # "function" or "class"
    line: int
    column: int
    reads: dict[str, Pos]  # global name -> first read position
    mutates: dict[str, Pos]  # global name -> first mutation (global statement or in place)
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellFlow:
    defines: dict[str, Pos]  # name -> first definition position
    inputs: dict[str, Pos]  # names read before this cell defines them -> first read
    mutates: dict[str, Pos]  # names mutated in place at module level -> first mutation
    imports: tuple[ImportInfo, ...]
    functions: tuple[FunctionFlow, ...]
    reads: dict[str, Pos]  # every module-level name read (defined here or not) -> first read

    def function(self, name: str) -> FunctionFlow | None:
        return next((f for f in self.functions if f.name == name), None)


def cell_flow(view: PythonView) -> CellFlow | None:
    """The dataflow of one cell's Python view (None when it does not parse)."""
    tree = view.tree
    if tree is None:
        return None
    walker = _ModuleWalker(view)
    for stmt in tree.body:
        walker.visit(stmt)
    for magic in view.magics:
        if magic.name == "capture" and magic.target:  # %%capture out: defines ``out``
            walker.define(magic.target, (magic.line, 1))
    functions = tuple(_function_flows(tree, view, walker.function_nodes)) if walker.function_nodes else ()
    return CellFlow(
        defines=walker.defines,
        inputs=walker.inputs,
        mutates=walker.mutates,
        imports=tuple(walker.imports),
        functions=functions,
        reads=walker.reads,
    )


def root_name(node: ast.AST) -> str | None:
    """``df.loc[0, "a"].x`` -> ``df``; the name an attribute/subscript/call chain starts from."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def is_mutating_call(node: ast.Call) -> bool:
    """``x.append(1)``, ``df.drop(..., inplace=True)``, ``model.fit(X, y)``."""
    if not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr in MUTATING_METHODS:
        return True
    return any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )


class _ModuleWalker(ast.NodeVisitor):
    """Visits module-level code in evaluation order, tracking what is defined so far."""

    def __init__(self, view: PythonView):
        self.view = view
        self.defines: dict[str, Pos] = {}
        self.inputs: dict[str, Pos] = {}
        self.reads: dict[str, Pos] = {}
        self.mutates: dict[str, Pos] = {}
        self.imports: list[ImportInfo] = []
        self.function_nodes: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        self.local: list[set[str]] = []  # comprehension / lambda / class-body scopes

    def pos(self, node: ast.AST) -> Pos:
        return self.view.to_cell(node.lineno, node.col_offset + 1)

    def define(self, name: str, pos: Pos) -> None:
        if self.local:
            self.local[-1].add(name)
        else:
            self.defines.setdefault(name, pos)

    def read(self, name: str, pos: Pos) -> None:
        if any(name in scope for scope in self.local):
            return
        self.reads.setdefault(name, pos)
        if name not in self.defines and name not in BUILTINS:
            self.inputs.setdefault(name, pos)

    def mutate(self, node: ast.AST) -> None:
        name = root_name(node)
        if name and not any(name in scope for scope in self.local):
            self.mutates.setdefault(name, self.pos(node))

    # -- names ----------------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.read(node.id, self.pos(node))
        elif isinstance(node.ctx, ast.Store):
            self.define(node.id, self.pos(node))

    def _store_target(self, target: ast.AST) -> None:
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            self.visit(target)  # reads the object (and index)
            self.mutate(target)
        else:
            self.visit(target)

    # -- statements in evaluation order ---------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            for t in _flatten(target):
                self._store_target(t)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.read(node.target.id, self.pos(node.target))
            self.define(node.target.id, self.pos(node.target))
        else:
            self._store_target(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._store_target(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        for t in _flatten(node.target):
            self._store_target(t)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                for t in _flatten(item.optional_vars):
                    self._store_target(t)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, (ast.Subscript, ast.Attribute)):
                self.visit(target)
                self.mutate(target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        name = node.target.id
        if self.local and not isinstance(self.local[-1], _ClassScope):
            self.defines.setdefault(name, self.pos(node.target))  # walrus in a comprehension
        else:
            self.define(name, self.pos(node.target))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.define(node.name, self.pos(node))
        for stmt in node.body:
            self.visit(stmt)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        if is_mutating_call(node):
            self.mutate(node.func.value)  # type: ignore[attr-defined]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            qualified = alias.name if alias.asname else alias.name.split(".")[0]
            self._import(name, qualified, alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            name = alias.asname or alias.name
            qualified = f"{module}.{alias.name}" if alias.name != "*" else f"{module}.*"
            self._import(name, qualified, module, node)

    def _import(self, name: str, qualified: str, module: str, node: ast.AST) -> None:
        line, col = self.pos(node)
        self.imports.append(ImportInfo(name, qualified, line, col, module.lstrip(".").split(".")[0]))
        if name != "*":
            self.define(name, (line, col))

    # -- scopes ---------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        self.define(node.name, self.pos(node))
        if not self.local:
            self.function_nodes.append(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.local.append(_ClassScope())
        for stmt in node.body:
            self.visit(stmt)  # the class body runs now; methods are handled by symtable
        self.local.pop()
        self.define(node.name, self.pos(node))
        if not self.local:
            self.function_nodes.append(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in [*node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        self.local.append({a.arg for a in _all_args(node.args)})
        self.visit(node.body)
        self.local.pop()

    def _comprehension(self, node: ast.AST, *elements: ast.AST) -> None:
        generators = node.generators  # type: ignore[attr-defined]
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        self.local.append(set())
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            for t in _flatten(gen.target):
                self.visit(t)
            for cond in gen.ifs:
                self.visit(cond)
        for element in elements:
            self.visit(element)
        self.local.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, node.elt)

    visit_SetComp = visit_GeneratorExp = visit_ListComp  # type: ignore[assignment]

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, node.key, node.value)


class _ClassScope(set):
    """Names bound in a class body (class bodies do not enclose their methods)."""


def _flatten(target: ast.AST) -> Iterator[ast.AST]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _flatten(elt)
    elif isinstance(target, ast.Starred):
        yield from _flatten(target.value)
    else:
        yield target


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    out += [a for a in (args.vararg, args.kwarg) if a is not None]
    return out


# -- functions and classes: symtable knows Python's scoping rules exactly ------------------------


def _function_flows(tree: ast.Module, view: PythonView, nodes: list) -> Iterator[FunctionFlow]:
    try:
        table = symtable.symtable(view.code, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return
    children = {(t.get_name(), t.get_lineno()): t for t in table.get_children()}
    for node in nodes:
        lineno = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        child = children.get((node.name, node.lineno)) or children.get((node.name, lineno))
        if child is None:
            continue
        global_names = set(_globals_of(child))
        reads: dict[str, Pos] = {}
        mutates: dict[str, Pos] = {}
        declared = set(_declared_global_assignments(child))
        body = node.body
        for sub in (n for stmt in body for n in ast.walk(stmt)):
            if isinstance(sub, ast.Name) and sub.id in global_names and isinstance(sub.ctx, ast.Load):
                reads.setdefault(sub.id, view.to_cell(sub.lineno, sub.col_offset + 1))
            elif isinstance(sub, ast.Name) and sub.id in declared and not isinstance(sub.ctx, ast.Load):
                mutates.setdefault(sub.id, view.to_cell(sub.lineno, sub.col_offset + 1))
            target = None
            if isinstance(sub, (ast.Assign, ast.AugAssign, ast.Delete)):
                targets = sub.targets if isinstance(sub, (ast.Assign, ast.Delete)) else [sub.target]
                target = next((t for t in targets if isinstance(t, (ast.Subscript, ast.Attribute))), None)
            elif isinstance(sub, ast.Call) and is_mutating_call(sub):
                target = sub.func.value  # type: ignore[attr-defined]
            name = root_name(target) if target is not None else None
            if name in global_names:
                mutates.setdefault(name, view.to_cell(sub.lineno, sub.col_offset + 1))
        line, col = view.to_cell(node.lineno, node.col_offset + 1)
        params = tuple(a.arg for a in _all_args(node.args)) if not isinstance(node, ast.ClassDef) else ()
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        yield FunctionFlow(node.name, kind, line, col, reads, mutates, params)


def _globals_of(table: symtable.SymbolTable) -> Iterator[str]:
    """Module-level names a scope (and the scopes nested in it) refers to."""
    for sym in table.get_symbols():
        if sym.is_global() and sym.get_name() not in BUILTINS:
            yield sym.get_name()
    for child in table.get_children():
        yield from _globals_of(child)


def _declared_global_assignments(table: symtable.SymbolTable) -> Iterator[str]:
    for sym in table.get_symbols():
        if sym.is_declared_global() and sym.is_assigned():
            yield sym.get_name()
    for child in table.get_children():
        yield from _declared_global_assignments(child)
