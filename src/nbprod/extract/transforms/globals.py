"""Functions and classes that read or rebind notebook variables take them as parameters.

A hoisted function that reads notebook variables (``def evaluate(m): ... X_test ...``) gets them
as keyword-only parameters (``def evaluate(m, *, X_test, y_test)``), and every call passes them
(``evaluate(model, X_test=X_test, y_test=y_test)``); a reference that is not a call becomes
``functools.partial(evaluate, X_test=X_test, ...)``. What a function needs includes what the
functions it calls need (a fixed point over the call graph).

A class whose methods read notebook variables receives them in ``__init__`` and its methods read
``self.X`` (captured when the instance is made). A function that rebinds a variable with
``global`` returns it instead (``counter = bump(counter=counter)``), when every call is a plain
statement. Anything else (a class body, decorator or default value reading a variable, a static
method reading one, ``global`` in a method) is refused with its position.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass, field

import libcst as cst

from nbprod.extract.transforms.cst import RenameReads, ast_of, code_of


@dataclass
class Definition:
    """A hoisted ``def`` or ``class``: its module-level name, node and notebook cell."""

    name: str
    node: cst.FunctionDef | cst.ClassDef
    cell: int
    line: int  # cell line of the ``def``/``class`` (for messages)
    original: str = ""  # the name in the notebook (``name`` differs when it was versioned)
    needs: list[str] = field(default_factory=list)  # variables passed in (keyword-only)
    rebinds: list[str] = field(default_factory=list)  # variables it returns (``global``)
    calls: set[str] = field(default_factory=set)  # other definitions it reads

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, cst.ClassDef)


def analyse(defs: list[Definition], variables: set[str]) -> list[tuple[Definition, int, int, str]]:
    """Fill ``needs``/``rebinds``/``calls`` of every definition; return the problems as
    ``(definition, line offset from the def, column, message)``."""
    problems: list[tuple[Definition, int, int, str]] = []
    by_name = {d.name: d for d in defs}
    direct: dict[str, list[str]] = {}
    for d in defs:
        tree = ast_of(d.node)
        node = tree.body[0]
        table = _table(code_of(d.node).lstrip(), node.name)  # type: ignore[attr-defined]
        if table is None:
            continue
        for expr in _evaluated_at_definition(node):
            early = [
                n
                for n in ast.walk(expr)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in variables
            ]
            if early:
                first = min(early, key=lambda n: (n.lineno, n.col_offset))
                message = (
                    f"`{d.original or d.name}` reads `{first.id}` when it is defined"
                    " (decorator, default or class body)"
                )
                problems.append((d, first.lineno - 1, first.col_offset + 1, message))
        reads = _global_reads(table)
        d.calls = {n for n in reads if n in by_name and n != d.name}
        rebinds = sorted(n for n in _rebound(table) if n not in by_name) if not d.is_class else []
        if d.is_class and _rebound(table):
            message = f"a method of `{d.name}` uses `global`; pass the value in and return it"
            problems.append((d, 0, 1, message))
        d.rebinds = rebinds
        read_first = _read_first(node, set(rebinds))
        direct[d.name] = [
            n for n in reads if n in variables and (n not in rebinds or n in read_first)
        ]
    for d in defs:  # what a definition needs includes what the ones it calls need
        seen, order, todo = {d.name}, list(direct.get(d.name, [])), sorted(d.calls)
        while todo:
            callee = todo.pop(0)
            if callee in seen:
                continue
            seen.add(callee)
            order += [n for n in direct.get(callee, []) if n not in order]
            todo += sorted(by_name[callee].calls) if callee in by_name else []
        d.needs = list(dict.fromkeys(order))
        if d.rebinds and any(by_name[c].rebinds for c in d.calls if c in by_name):
            problems.append((d, 0, 1, f"`{d.name}` calls a function that rebinds a global"))
    return problems


def rewrite_definition(
    d: Definition, defs: dict[str, Definition]
) -> tuple[cst.CSTNode, str | None]:
    """The definition with its needs as parameters (or ``__init__`` arguments) and calls to other
    definitions completed. Returns the new node and a problem, if any."""
    inject = InjectArguments(defs, in_definition=True)
    node = d.node.visit(inject)
    if inject.pending_rebinds:
        return node, f"`{d.name}` calls a function that rebinds a variable with `global`"
    if isinstance(node, cst.ClassDef):
        return _inject_class(node, d.needs) if d.needs else (node, None)
    if not d.needs and not d.rebinds:
        return node, None
    node = _add_keyword_params(node, d.needs)
    if d.rebinds:
        return _return_rebound(node, d.rebinds)
    return node.visit(_DropGlobals(set(d.needs))), None


class InjectArguments(RenameReads):
    """Complete the calls to definitions that take notebook variables: ``f(x)`` ->
    ``f(x, X=X)``; a reference that is not a call -> ``functools.partial(f, X=X)``; a call of a
    function that rebinds variables, as a statement -> ``a = f(a=a)``."""

    def __init__(self, defs: dict[str, Definition], in_definition: bool = False):
        partial = {
            name: f"functools.partial({name}, {', '.join(f'{n}={n}' for n in d.needs)})"
            for name, d in defs.items()
            if d.needs and not d.is_class
        }
        super().__init__(partial, skip=lambda node: id(node) in self.call_funcs)
        self.defs = defs
        self.call_funcs: set[int] = set()
        self.in_definition = in_definition
        self.used_partial = False
        self.problems: list[str] = []
        self.pending_rebinds: dict[int, list[str]] = {}

    def visit_Call(self, node: cst.Call) -> bool:
        self.call_funcs.add(id(node.func))
        return True

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        new = super().leave_Name(original, updated)
        self.used_partial |= new is not updated
        return new

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func = updated.func
        d = self.defs.get(func.value) if isinstance(func, cst.Name) else None
        if d is None or not (d.needs or d.rebinds):
            return updated
        passed = {a.keyword.value for a in updated.args if a.keyword is not None}
        extra = [
            cst.Arg(value=cst.Name(n), keyword=cst.Name(n), equal=_EQUAL)
            for n in d.needs
            if n not in passed
        ]
        args = list(updated.args)
        if args and extra:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        new = updated.with_changes(args=[*args, *extra])
        if d.rebinds:
            self.pending_rebinds[id(new)] = d.rebinds
        return new

    def leave_SimpleStatementLine(self, original, updated):
        body = []
        for small in updated.body:
            rebinds = None
            if isinstance(small, cst.Expr) and not self.in_definition:
                rebinds = self.pending_rebinds.pop(id(small.value), None)
            if rebinds:
                target = cst.parse_expression(", ".join(rebinds))
                small = cst.Assign(
                    [cst.AssignTarget(target)], small.value, semicolon=small.semicolon
                )
            body.append(small)
        return updated.with_changes(body=body)

    def leave_Module(self, original, updated):
        for rebinds in self.pending_rebinds.values():
            self.problems.append(
                f"a function that rebinds `{rebinds[0]}` with `global` is called inside an"
                " expression; call it as a statement"
            )
        return updated


_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


# -- analysis with symtable ------------------------------------------------------------------------


def _table(source: str, name: str) -> symtable.SymbolTable | None:
    try:
        module = symtable.symtable(source, "<definition>", "exec")
    except SyntaxError:
        return None
    return next((t for t in module.get_children() if t.get_name() == name), None)


def _global_reads(table: symtable.SymbolTable) -> list[str]:
    """Module-level names a function (with its nested scopes) or a class's methods read."""
    out: list[str] = []
    scopes = table.get_children() if table.get_type() == "class" else [table]
    for scope in scopes:
        for sym in _all_symbols(scope):
            if (sym.is_global() or sym.is_declared_global()) and sym.get_name() not in out:
                out.append(sym.get_name())
    return out


def _all_symbols(table: symtable.SymbolTable):
    yield from table.get_symbols()
    for child in table.get_children():
        yield from _all_symbols(child)


def _rebound(table: symtable.SymbolTable) -> set[str]:
    return {s.get_name() for s in _all_symbols(table) if s.is_declared_global() and s.is_assigned()}


def _read_first(node: ast.AST, names: set[str]) -> set[str]:
    """Those of ``names`` that the function reads before it assigns them (``x += 1`` reads)."""
    first: dict[str, bool] = {}
    occurrences = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):
            occurrences.append((sub.target.lineno, sub.target.col_offset - 1, sub.target.id, True))
        elif isinstance(sub, ast.Name) and sub.id in names:
            occurrences.append((sub.lineno, sub.col_offset, sub.id, isinstance(sub.ctx, ast.Load)))
    for _, _, name, is_read in sorted(occurrences):
        first.setdefault(name, is_read)
    return {n for n, is_read in first.items() if is_read and n in names}


def _evaluated_at_definition(node: ast.AST) -> list[ast.AST]:
    """Expressions Python evaluates when the ``def``/``class`` statement runs."""
    out: list[ast.AST] = list(getattr(node, "decorator_list", []))
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        out += [d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None]
    elif isinstance(node, ast.ClassDef):
        out += [*node.bases, *(k.value for k in node.keywords)]
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out += list(stmt.decorator_list)
                out += [d for d in (*stmt.args.defaults, *stmt.args.kw_defaults) if d is not None]
            elif not isinstance(stmt, ast.ClassDef):
                out.append(stmt)
    return out


# -- rewriting -------------------------------------------------------------------------------------


def _add_keyword_params(node: cst.FunctionDef, names: list[str]) -> cst.FunctionDef:
    if not names:
        return node
    params = node.params
    new = [cst.Param(cst.Name(n)) for n in names]
    changes: dict = {"kwonly_params": [*params.kwonly_params, *new]}
    if isinstance(params.star_arg, cst.MaybeSentinel):
        changes["star_arg"] = cst.ParamStar()
    return node.with_changes(params=params.with_changes(**changes))


def _return_rebound(
    node: cst.FunctionDef, rebinds: list[str]
) -> tuple[cst.FunctionDef, str | None]:
    returned = ", ".join(rebinds)
    checker = _Returns()
    node.body.visit(checker)
    if checker.with_value:
        return (
            node,
            f"`{node.name.value}` rebinds `{rebinds[0]}` with `global` and also returns a value",
        )
    body = node.body.visit(_DropGlobals(set(rebinds))).visit(_FillReturns(returned))
    statements = list(body.body) + [cst.parse_statement(f"return {returned}\n")]
    return node.with_changes(body=body.with_changes(body=statements)), None


class _Returns(cst.CSTVisitor):
    def __init__(self) -> None:
        self.with_value = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # nested functions have their own returns

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        self.with_value |= node.value is not None


class _FillReturns(cst.CSTTransformer):
    def __init__(self, returned: str):
        self.returned = returned

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return updated.with_changes(value=cst.parse_expression(self.returned))


class _DropGlobals(cst.CSTTransformer):
    """Remove ``global`` declarations of names that are now parameters or return values."""

    def __init__(self, names: set[str]):
        self.names = names

    def leave_Global(self, original: cst.Global, updated: cst.Global):
        kept = [n for n in updated.names if n.name.value not in self.names]
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)

    def leave_SimpleStatementLine(self, original, updated):
        if not updated.body:
            return cst.RemoveFromParent()
        return updated

    def leave_IndentedBlock(self, original, updated):
        if not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated


def _inject_class(node: cst.ClassDef, needs: list[str]) -> tuple[cst.ClassDef, str | None]:
    """``__init__`` takes ``needs`` (keyword-only) and stores them; methods read ``self.X``."""
    if node.decorators:
        return node, f"`{node.name.value}` is decorated and its methods read notebook variables"
    used_attrs = {n.attr.value for n in _attributes(node)}
    attr = {}
    for name in needs:
        candidate = name
        while candidate in used_attrs:
            candidate = "_" + candidate
        attr[name] = candidate
    body = []
    has_init = False
    for stmt in node.body.body:
        if isinstance(stmt, cst.FunctionDef):
            first = stmt.params.params[0].name.value if stmt.params.params else None
            static = any(
                code_of(d.decorator).strip() in ("staticmethod", "classmethod")
                for d in stmt.decorators
            )
            local = _locals(stmt)
            mapping = {n: f"{first}.{attr[n]}" for n in needs if n not in local}
            if mapping and (first is None or static):
                where = f"{node.name.value}.{stmt.name.value}"
                return node, f"`{where}` reads notebook variables but has no `self`"
            stmt = stmt.with_changes(body=stmt.body.visit(RenameReads(mapping)))
            if stmt.name.value == "__init__":
                has_init = True
                stmt = _add_keyword_params(stmt, needs)
                stores = [cst.parse_statement(f"{first}.{attr[n]} = {n}\n") for n in needs]
                stmt = stmt.with_changes(
                    body=stmt.body.with_changes(body=_after_docstring(list(stmt.body.body), stores))
                )
        body.append(stmt)
    if not has_init:
        kwonly = ", ".join(needs)
        stores = "".join(f"    self.{attr[n]} = {n}\n" for n in needs)
        init = cst.parse_statement(
            f"def __init__(self, *args, {kwonly}, **kwargs):\n"
            f"    super().__init__(*args, **kwargs)\n{stores}"
        )
        body = _after_docstring(body, [init])
    return node.with_changes(body=node.body.with_changes(body=body)), None


def _after_docstring(body: list, new: list) -> list:
    first = body[0] if body else None
    is_doc = (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
    return [body[0], *new, *body[1:]] if is_doc else [*new, *body]


def _attributes(node: cst.CSTNode) -> list[cst.Attribute]:
    found: list[cst.Attribute] = []

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, n: cst.Attribute) -> None:
            found.append(n)

    node.visit(Collect())
    return found


def _locals(func: cst.FunctionDef) -> set[str]:
    table = _table(code_of(func), func.name.value)
    if table is None:
        return set()
    return {s.get_name() for s in table.get_symbols() if s.is_local() or s.is_parameter()}
