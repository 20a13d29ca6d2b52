"""Redefinitions: a function or class name that the notebook binds more than once is versioned.

Steps hold the notebook's variables as local variables, so a variable redefined later is simply
reassigned (last writer wins, as in the notebook). Functions and classes are hoisted to module
level, where one name can hold only one of them: when a name is bound by two ``def``/``class``
statements, or by a ``def`` and a variable (a function later shadowed), each definition becomes
``name_1``, ``name_2``... and every read of the name is renamed to the definition it meant at
that point of the notebook (statement by statement, the right side of an assignment before its
target). A compound statement that both rebinds such a name and reads it is refused.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from nbprod.extract.transforms.cst import RenameReads, ast_of, loaded_names


@dataclass
class Versions:
    """Module-level names of the hoisted definitions and the current binding of each name."""

    module_name: dict[int, str] = field(default_factory=dict)  # definition id -> module name
    current: dict[str, str | None] = field(default_factory=dict)  # name -> def version or None

    def renames(self) -> dict[str, str]:
        return {n: v for n, v in self.current.items() if v is not None and v != n}


def version_names(
    events: list[tuple[str, str, int]], fresh: Callable[[str], str]
) -> dict[int, str]:
    """``events``: ``(kind, name, definition id)`` in notebook order, kind ``def`` or ``var``.
    Returns the module-level name of each definition."""
    defs: dict[str, list[int]] = {}
    variables: set[str] = set()
    for kind, name, ident in events:
        if kind == "def":
            defs.setdefault(name, []).append(ident)
        else:
            variables.add(name)
    out: dict[int, str] = {}
    for name, idents in defs.items():
        if len(idents) == 1 and name not in variables:
            out[idents[0]] = name
        else:
            for i, ident in enumerate(idents, start=1):
                out[ident] = fresh(f"{name}_{i}")
    return out


def top_bindings(tree: ast.AST) -> set[str]:
    """Names a top-level statement binds in the module scope (not inside functions, classes,
    lambdas or comprehensions, except a walrus)."""
    out: set[str] = set()

    def walk(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            out.update(n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, ast.alias):
            out.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(tree)
    out.discard("*")
    return out


def rename_statement(
    stmt: cst.BaseStatement, versions: Versions, defined: dict[str, str | None]
) -> tuple[cst.BaseStatement, str | None]:
    """Rename the reads of one top-level statement, then apply its bindings (``defined``: the
    names it binds -> a def version or None for a variable). Returns the statement and a problem
    (a compound statement that rebinds a versioned name and reads it)."""
    renames = versions.renames()
    problem = None
    if renames:
        tree = ast_of(stmt)
        read = set(loaded_names(tree)) & set(renames)
        clash = read & set(defined)
        if clash and not isinstance(stmt, cst.SimpleStatementLine):
            name = min(clash)
            problem = f"`{name}` is both a function and a variable in this statement; rename one"
        if read:
            stmt = stmt.visit(RenameReads({n: renames[n] for n in read}))
    versions.current.update(defined)
    return stmt, problem
