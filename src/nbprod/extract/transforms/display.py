"""Display-only expressions: what a notebook only *showed* is dropped or logged, never lost.

An expression statement is classified with ``ast`` (:func:`display_action`):

* ``log``: the cell's last statement, a name, attribute or tuple of them (``churn_rate``,
  ``X.shape``, ``acc, auc``): what the notebook displayed becomes ``logger.info(...)``;
* ``drop``: an expression with no effect: only names, literals, operators and calls known to be
  pure (``df.head()``, ``df.describe()``, ``len(x)``), and ``display(...)`` of such values;
* ``keep``: anything else (``model.fit(X, y)``, ``print(x)``, ``plt.show()``), which may have
  effects, stays as it is; but the cell's last line, whose value the notebook showed, is logged
  unless it is a call made for its effect (``report.sizes()`` is logged; ``model.fit(X, y)``
  and ``train()`` are not).

Calls that draw on a random generator are never pure (``df.sample()`` moves the seed).
"""

from __future__ import annotations

import ast

import libcst as cst

from nbprod.extract.problems import Log
from nbprod.extract.transforms.cst import call_chain
from nbprod.notebook.dataflow import is_mutating_call

PURE_FUNCTIONS = frozenset(
    "len float int str bool round abs min max sum sorted list tuple set frozenset dict type repr "
    "isinstance range zip enumerate any all format divmod pow hash reversed vars dir".split()
)
PURE_METHODS = frozenset(
    "head tail describe info value_counts nunique unique sum mean median std var min max count "
    "corr cov agg aggregate groupby pivot_table round sort_values sort_index isna isnull notna "
    "notnull to_frame reset_index set_index idxmax idxmin pct_change tolist to_list copy items "
    "keys values get memory_usage quantile cumsum cumprod diff shift rolling expanding resample "
    "astype to_numpy reshape ravel flatten argmax argmin argsort nonzero any all dot transpose "
    "squeeze prod ptp clip take to_string to_markdown to_dict format split strip lower upper "
    "replace startswith endswith join crosstab merge concat DataFrame Series array asarray "
    "arange linspace zeros ones full eye predict predict_proba decision_function score "
    "get_params drop drop_duplicates dropna fillna rename query filter nlargest nsmallest "
    "select_dtypes duplicated isin between where mask abs cummax cummin rank melt stack unstack "
    "explode".split()
)
DISPLAY_FUNCTIONS = frozenset({"display"})
#: calls made for their effect: a last line calling one stays a statement, it is not logged
EFFECT_NAMES = frozenset(
    "print show savefig write writelines close dump flush makedirs mkdir remove unlink rmtree "
    "system run call sleep seed chdir update shell".split()
)
EFFECT_PREFIXES = ("to_", "save", "write", "set_", "add_", "plot", "draw")
PLOT_NAMES = frozenset({"plot", "hist", "boxplot", "scatter", "imshow", "bar", "barh", "pie"})


def display_action(expr: ast.expr, last: bool, effect_roots: frozenset[str] = frozenset()) -> str:
    """``log``, ``drop`` or ``keep`` for an expression statement (``last``: the cell's last;
    ``effect_roots``: names whose calls are for their effect, such as ``plt``)."""
    if any(
        isinstance(n, ast.Call) and call_chain(n)[-1:] == ["get_ipython"] for n in ast.walk(expr)
    ):
        return "keep"  # a magic: translated (or refused) by the magics transformer
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id in DISPLAY_FUNCTIONS
    ):
        values = [*expr.args, *(k.value for k in expr.keywords)]
        if all(_is_pure(v) for v in values):
            return "log" if values and all(_is_simple(v) for v in expr.args) else "drop"
        return "log"
    if not _is_pure(expr):
        return "log" if last and not _is_effect(expr, effect_roots) else "keep"
    return "log" if last and _is_simple(expr) else "drop"


def _is_effect(expr: ast.expr, effect_roots: frozenset[str]) -> bool:
    """A call made for what it does (``model.fit(X, y)``, ``plt.plot(x)``, ``df.to_csv(p)``, and
    any call of a plain function: ``print(x)``, ``train()``), whose value was not the point."""
    if not isinstance(expr, ast.Call):
        return False
    if isinstance(expr.func, ast.Name):
        return True
    chain = call_chain(expr)
    if not chain:
        return True
    name = chain[0]
    return (
        is_mutating_call(expr)
        or chain[-1] in effect_roots
        or name in EFFECT_NAMES
        or name.startswith(EFFECT_PREFIXES)
        or bool(PLOT_NAMES & set(chain))
    )


def apply_display(
    module: cst.Module,
    tree: ast.Module | None,
    cell: int,
    log: Log,
    to_cell=None,
    effect_roots: frozenset[str] = frozenset(),
) -> tuple[cst.Module, bool]:
    """Drop or log the display-only expression statements at the top level of a cell.

    ``module`` and ``tree`` are the libcst and ast parses of the same code (the cell's view);
    ``to_cell`` maps a line of it to the cell line. Returns the new module and whether ``logger``
    is used."""
    if tree is None:
        return module, False
    body = list(module.body)
    out: list[cst.BaseStatement] = []
    comments: list[cst.EmptyLine] = []  # comments above a dropped statement move down
    uses_logger = False
    position = 0  # index in tree.body: a line `a; b` is one libcst statement, two ast ones
    for i, stmt in enumerate(body):
        width = len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        last_ast = tree.body[position + width - 1]
        position += width
        if comments:
            stmt = stmt.with_changes(leading_lines=[*comments, *stmt.leading_lines])
            comments = []
        if not (isinstance(stmt, cst.SimpleStatementLine) and isinstance(last_ast, ast.Expr)):
            out.append(stmt)
            continue
        small = list(stmt.body)
        expr = last_ast.value
        action = display_action(expr, i == len(body) - 1, effect_roots)
        if action == "keep":
            out.append(stmt)
            continue
        shown = expr.args if isinstance(expr, ast.Call) else [expr]  # display(a, b) shows a, b
        if len(shown) == 1 and isinstance(shown[0], ast.Tuple):
            shown = shown[0].elts
        text = ", ".join(ast.unparse(e) for e in shown) or ast.unparse(expr)
        where = to_cell(last_ast.lineno) if to_cell else last_ast.lineno
        if action == "log":
            uses_logger = True
            value = f"({text})" if len(shown) > 1 else text
            label = text.replace("%", "%%") + " = %s"
            small[-1] = cst.parse_statement(f"logger.info({label!r}, {value})\n").body[0]
            log.note(cell, where, "display", f"`{_short(text)}` -> logger.info")
        else:
            small.pop()
            log.note(
                cell, where, "display", f"`{_short(ast.unparse(expr))}` dropped (display only)"
            )
        if small:
            last = small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            out.append(stmt.with_changes(body=[*small[:-1], last]))
        else:
            comments = [line for line in stmt.leading_lines if line.comment]
    return module.with_changes(body=out), uses_logger


def _is_simple(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Name):
        return True
    if isinstance(expr, ast.Attribute):
        return _is_simple(expr.value)
    if isinstance(expr, ast.Tuple):
        return bool(expr.elts) and all(_is_simple(e) for e in expr.elts)
    return False


def _is_pure(expr: ast.expr) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr if isinstance(func, ast.Attribute) else None
            )
            if name not in PURE_FUNCTIONS and name not in PURE_METHODS:
                return False
            if any(k.arg == "inplace" for k in node.keywords):
                return False
    return True


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
