"""Plotting moved into functions that save figures: which statements of a cell only draw.

:func:`split_plots` cuts a cell's top-level statements into runs of computing and drawing
statements. A statement draws when it calls a plotting library (an alias of ``matplotlib``,
``seaborn``, ``pandas.plotting``), a ``.plot``/``.hist``/``.boxplot`` accessor, or a method of a
name an earlier drawing statement made (``fig, ax = plt.subplots()`` then ``ax.set_title(...)``),
and every other call in it is pure. A statement that draws random numbers always computes: moving
it would shift the generator's state. :func:`finish_plot` turns ``plt.show()`` into
``save_figures(figures_dir, "name")`` (and appends one at the end, as the inline backend showed
the figures left open when the cell ended); in computing code ``plt.show()`` only closes figures.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from nbprod.extract.transforms.cst import ast_of, call_chain, code_of, loaded_names
from nbprod.extract.transforms.display import PURE_FUNCTIONS, PURE_METHODS

PLOT_MODULES = ("matplotlib", "seaborn", "pandas.plotting", "plotnine", "mpl_toolkits")
#: methods that draw whatever object they are called on (pandas accessors)
PLOT_METHODS = frozenset({"plot", "hist", "boxplot", "scatter_matrix", "plot_tree"})
RANDOM_METHODS = frozenset(
    "normal uniform integers choice shuffle permutation randn rand randint random poisson "
    "binomial exponential sample random_sample standard_normal multivariate_normal".split()
)


@dataclass
class Part:
    """A run of consecutive top-level statements of one cell: computing or drawing."""

    kind: str  # "code" or "plot"
    statements: list[cst.BaseStatement] = field(default_factory=list)
    defines: set[str] = field(default_factory=set)  # names bound by drawing statements


def split_plots(module: cst.Module, aliases: Mapping[str, str]) -> list[Part]:
    """Cut a cell into computing and drawing parts (``aliases``: imported name -> qualified)."""
    plot_roots = {name for name, qualified in aliases.items() if qualified.startswith(PLOT_MODULES)}
    parts: list[Part] = []
    made: set[str] = set()  # names bound by drawing statements so far
    for stmt in module.body:
        tree = ast_of(stmt)
        kind = "plot" if _draws(tree, plot_roots, made) else "code"
        if kind == "plot":
            made |= _bound(tree)
        if not parts or parts[-1].kind != kind:
            parts.append(Part(kind))
        parts[-1].statements.append(stmt)
        if kind == "plot":
            parts[-1].defines |= _bound(tree)
    return _demote_used(parts)


def finish_plot(
    statements: list[cst.BaseStatement], name: str, aliases: Mapping[str, str]
) -> list[cst.BaseStatement]:
    """Replace ``plt.show()`` with ``save_figures(figures_dir, name)``; save at the end too."""
    save = cst.parse_statement(f"save_figures(figures_dir, {name!r})\n")
    out = [_replace_show(s, save, aliases) for s in statements]
    if code_of(out[-1]).strip() != code_of(save).strip():
        out.append(save)
    return out


def close_shows(
    statements: list[cst.BaseStatement], aliases: Mapping[str, str]
) -> list[cst.BaseStatement]:
    """In computing code, ``plt.show()`` only closes the figures (nothing is displayed)."""
    return [_replace_show(s, None, aliases) for s in statements]


def _replace_show(
    stmt: cst.BaseStatement, save: cst.BaseStatement | None, aliases: Mapping[str, str]
):
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return stmt
    expr = stmt.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return stmt
    chain = call_chain(ast_of(expr.value))
    if (
        len(chain) != 2
        or chain[0] != "show"
        or not aliases.get(chain[1], "").startswith(PLOT_MODULES)
    ):
        return stmt
    if save is None:
        return stmt.with_changes(body=[cst.Expr(cst.parse_expression(f'{chain[1]}.close("all")'))])
    return save.with_changes(leading_lines=stmt.leading_lines)


def _draws(tree: ast.AST, plot_roots: set[str], made: set[str]) -> bool:
    """Whether a statement only draws (at least one plotting call, every other call pure)."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    stores = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store)
    ]
    if any(
        isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Return))
        for n in ast.walk(tree)
    ):
        return False
    drawing = False
    made = made | _loop_targets(tree)  # `for ax in axes.flat: ax.set_title(...)`
    for call in calls:
        chain = call_chain(call)
        if not chain:
            return False
        if chain[0] in RANDOM_METHODS or "random" in chain:
            return False
        if chain[-1] in plot_roots or chain[-1] in made or PLOT_METHODS & set(chain[:-1]):
            drawing = True
        elif not (chain[0] in PURE_FUNCTIONS or chain[0] in PURE_METHODS):
            return False
    for target in stores:  # plt.rcParams["x"] = 1, ax.title = ...
        chain = call_chain(target)
        if not chain or not (chain[-1] in plot_roots or chain[-1] in made):
            return False
        drawing = True
    return drawing


def _loop_targets(tree: ast.AST) -> set[str]:
    targets = [n.target for n in ast.walk(tree) if isinstance(n, (ast.For, ast.comprehension))]
    targets += [
        i.optional_vars
        for n in ast.walk(tree)
        if isinstance(n, ast.With)
        for i in n.items
        if i.optional_vars
    ]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _bound(tree: ast.AST) -> set[str]:
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _demote_used(parts: list[Part]) -> list[Part]:
    """Drawing parts that share names (``fig, ax = plt.subplots()``, computing, ``ax.bar(...)``)
    become one, with the computing in between; a drawing part whose names later computing code
    of the cell reads computes after all."""
    merged_any = True
    while merged_any:
        merged_any = False
        for j, later_part in enumerate(parts):
            if later_part.kind != "plot":
                continue
            reads = {n for s in later_part.statements for n in loaded_names(ast_of(s))}
            first = next(
                (i for i in range(j) if parts[i].kind == "plot" and parts[i].defines & reads), None
            )
            if first is not None:
                statements = [s for p in parts[first : j + 1] for s in p.statements]
                defines = {n for s in statements for n in _bound(ast_of(s))}
                parts[first : j + 1] = [Part("plot", statements, defines)]
                merged_any = True
                break
    for i, part in enumerate(parts):
        if part.kind != "plot" or not part.defines:
            continue
        later = {
            n
            for p in parts[i + 1 :]
            if p.kind == "code"
            for s in p.statements
            for n in loaded_names(ast_of(s))
        }
        if part.defines & later:
            part.kind = "code"
    merged: list[Part] = []
    for part in parts:
        if merged and merged[-1].kind == part.kind == "code":
            merged[-1].statements.extend(part.statements)
        else:
            merged.append(part)
    return merged
