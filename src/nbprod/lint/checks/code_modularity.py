"""NB3xx code modularity: can the notebook's code be lifted into functions, modules and steps?"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Iterator

from nbprod.lint.checks.common import Parsed, magics, option, parsed_cells, shorten
from nbprod.lint.registry import Context, Finding, check

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

_CONSTANT = re.compile(r"_*[A-Z][A-Z0-9_]*")


Site = tuple[str, int, tuple[int, int]]  # (kind, cell number, (line, column))


def bindings(nb: Notebook) -> dict[str, list[Site]]:
    """Module-level name -> where it is bound, in notebook order; kind is function, class,
    import or variable (from the dataflow: every binding outside function bodies)."""
    out: dict[str, list[Site]] = defaultdict(list)
    for p in parsed_cells(nb):
        flow = nb.flow(p.cell)
        sites = [((f.line, f.column), f.name, f.kind) for f in flow.functions]
        sites += [((i.line, i.column), i.name, "import") for i in flow.imports if not i.is_star]
        named = {name for _, name, _ in sites}
        sites += [
            (pos, name, "variable") for name, pos in flow.defines.items() if name not in named
        ]
        for pos, name, kind in sorted(sites):
            out[name].append((kind, p.cell.number, pos))
    return out


def _declared_global(fn: ast.AST) -> set[str]:
    return {n for g in ast.walk(fn) if isinstance(g, ast.Global) for n in g.names}


@check("NB301")
def function_uses_global(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    kinds = {name: {k for k, _, _ in sites} for name, sites in bindings(nb).items()}

    def is_data(name: str) -> bool:
        return kinds.get(name) == {"variable"} and not _CONSTANT.fullmatch(name)

    for p in parsed_cells(nb):
        nodes = {
            n.name: n
            for n in p.tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        for fn in nb.flow(p.cell).functions:
            declared = _declared_global(nodes[fn.name]) if fn.name in nodes else set()
            what = f"`{fn.name}()`" if fn.kind == "function" else f"class `{fn.name}`"
            for name, (line, col) in fn.mutates.items():
                if name not in declared and is_data(name):
                    yield Finding(
                        "NB301",
                        f"`{name}` is changed in place by {what}, a hidden side effect on the "
                        "notebook's globals: pass it in and return the result",
                        p.cell.number,
                        line,
                        col,
                    )
            for name, (line, col) in fn.reads.items():
                if name not in fn.mutates and name not in declared and is_data(name):
                    yield Finding(
                        "NB301",
                        f"`{name}` is read by {what} from the notebook's globals: pass it as a "
                        "parameter",
                        p.cell.number,
                        line,
                        col,
                    )


@check("NB302")
def shadowed_definition(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for name, sites in bindings(nb).items():
        defined = None  # (kind, cell number) of the latest function/class/import binding
        for kind, cell, (line, column) in sites:
            if defined is not None and not (kind == defined[0] == "import"):
                first_kind, first_cell = defined
                where = "this cell" if first_cell == cell else f"cell {first_cell}"
                if kind == "variable":
                    what = f"the variable `{name}` shadows the {first_kind} from {where}"
                else:
                    what = f"{kind} `{name}` replaces the {first_kind} from {where}"
                yield Finding(
                    "NB302",
                    f"{what}: cells now behave differently depending on which ran last; "
                    "use distinct names",
                    cell,
                    line,
                    column,
                )
            if kind != "variable":
                defined = (kind, cell)


def _is_setup(stmt: ast.stmt) -> bool:
    """Statements allowed in the notebook's set-up cells besides imports."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Constant):
            return True
        func = value.func if isinstance(value, ast.Call) else None
        return func is not None and "get_ipython" in ast.unparse(func)  # a magic
    if isinstance(stmt, ast.Try):
        return all(_is_setup(s) for s in stmt.body)
    return False


@check("NB303")
def import_not_at_top(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    # The set-up: leading cells that only import and run magics, the first cell that imports
    # (whatever else it does), and the parameters cell wherever it is.
    in_setup = True
    for p in parsed_cells(nb):
        imports = nb.flow(p.cell).imports
        if p.cell is nb.parameters_cell:
            continue
        if in_setup:
            in_setup = all(_is_setup(s) for s in p.tree.body)
            continue
        if imports:
            names = ", ".join(f"`{i.qualified.removesuffix('.*')}`" for i in imports[:3])
            more = f" and {len(imports) - 3} more" if len(imports) > 3 else ""
            yield Finding(
                "NB303",
                f"imports {names}{more} after the first code cell: put every import at the top "
                "so the notebook's dependencies are visible at a glance",
                p.cell.number,
                imports[0].line,
                imports[0].column,
            )


@check("NB304")
def star_import(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for imp in nb.flow(p.cell).imports:
            if imp.is_star:
                yield Finding(
                    "NB304",
                    f"`from {imp.qualified[:-2]} import *` hides where names come from and "
                    "what the notebook depends on: import the names you use",
                    p.cell.number,
                    imp.line,
                    imp.column,
                )


#: imported for their side effects
_SIDE_EFFECT_MODULES = frozenset({"__future__", "seaborn", "warnings", "matplotlib"})


@check("NB305")
def unused_import(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    read: set[str] = set()
    for p in parsed_cells(nb):
        flow = nb.flow(p.cell)
        read.update(flow.reads)
        for fn in flow.functions:
            read.update(fn.reads)
            read.update(fn.mutates)
    if any(c.is_code and nb.flow(c) is None for c in nb.code_cells):
        return  # a cell that does not parse may use any import
    for p in parsed_cells(nb):
        for imp in nb.flow(p.cell).imports:
            if imp.is_star or imp.name in read or imp.module in _SIDE_EFFECT_MODULES:
                continue
            if imp.qualified != imp.name and imp.qualified.split(".")[-1] == imp.name:
                what = f"`{imp.qualified}`"
            else:
                what = (
                    f"`{imp.qualified}` as `{imp.name}`"
                    if imp.qualified != imp.name
                    else f"`{imp.name}`"
                )
            yield Finding(
                "NB305",
                f"{what} is imported but never used: remove it (every import is a dependency "
                "to install)",
                p.cell.number,
                imp.line,
                imp.column,
            )


def _code_lines(source: str) -> int:
    return sum(
        1 for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


@check("NB306")
def long_cell(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    limit = option(ctx, "NB306", "max_lines")
    for cell in nb.code_cells:
        n = _code_lines(cell.source)
        if n > limit:
            yield Finding(
                "NB306",
                f"cell has {n} lines of code (max {limit}): split it into steps, or move its "
                "logic into functions",
                cell.number,
            )


@check("NB307")
def long_notebook(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    max_cells = option(ctx, "NB307", "max_code_cells")
    max_lines = option(ctx, "NB307", "max_lines")
    cells = len(nb.code_cells)
    lines = sum(_code_lines(c.source) for c in nb.code_cells)
    if cells > max_cells or lines > max_lines:
        yield Finding(
            "NB307",
            f"notebook has {cells} code cells and {lines} lines of code (max {max_cells} cells, "
            f"{max_lines} lines): split it into notebooks or modules with one job each",
        )


def _normal_lines(p: Parsed) -> list[tuple[int, str]]:
    """(cell line, normalised text) of the lines that carry code."""
    out = []
    for number, line in enumerate(p.cell.lines, 1):
        text = " ".join(line.split())
        if text and not text.startswith("#") and len(text) > 3:
            out.append((number, text))
    return out


@check("NB308")
def duplicated_code(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    size = option(ctx, "NB308", "min_lines")
    first_seen: dict[tuple[str, ...], tuple[int, int]] = {}  # window -> (cell, line)
    for p in parsed_cells(nb):
        lines = _normal_lines(p)
        texts = [text for _, text in lines]
        i = 0
        while i <= len(lines) - size:
            here = (p.cell.number, lines[i][0])
            origin = first_seen.setdefault(tuple(texts[i : i + size]), here)
            if origin == here:
                i += 1
                continue
            n = size  # extend the duplicate while its next window was seen before too
            while i + n < len(lines) and tuple(texts[i + n - size + 1 : i + n + 1]) in first_seen:
                n += 1
            where = "earlier in this cell" if origin[0] == here[0] else f"in cell {origin[0]}"
            yield Finding(
                "NB308",
                f"{n} lines repeat the code {where} (line {origin[1]}): factor them into a "
                "function and call it twice",
                p.cell.number,
                here[1],
            )
            i += n


@check("NB309")
def global_statement(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for node in p.of(ast.Global):
            names = ", ".join(f"`{n}`" for n in node.names)
            yield p.finding(
                "NB309",
                f"`global` lets a function rebind {names} behind the notebook's back: return "
                "the new value instead",
                node,
            )


@check("NB310")
def include_other_file(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell, magic in magics(nb):
        if magic.kind == "include":
            yield Finding(
                "NB310",
                f"`{shorten(magic.text)}` pulls another file's code into this namespace: make "
                "it a module and import what you need",
                cell.number,
                magic.line,
            )
