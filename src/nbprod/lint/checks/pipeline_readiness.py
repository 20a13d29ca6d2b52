"""NB8xx pipeline readiness (Level 2): can the notebook run unattended, parameterised, by papermill
or ``nbprod run``, and be read by the next person?"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Iterator

from nbprod.lint.checks.common import (
    aliases,
    is_literal,
    is_number,
    magics,
    option,
    parsed_cells,
    qualified,
    shorten,
)
from nbprod.lint.registry import Context, Finding, check

if TYPE_CHECKING:
    from nbprod.notebook import Notebook


@check("NB801")
def no_parameters_cell(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    if nb.is_python and nb.code_cells and nb.parameters_cell is None:
        yield Finding(
            "NB801",
            "no cell is tagged `parameters`: papermill and `nbprod run` cannot inject values; "
            "put the settings in one cell and tag it",
        )


def _is_parameter(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Assign):
        return all(isinstance(t, ast.Name) for t in stmt.targets) and is_literal(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and (stmt.value is None or is_literal(stmt.value))
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)  # docstring


@check("NB802")
def parameters_not_literal(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    cell = nb.parameters_cell
    view = nb.view(cell) if cell is not None else None
    if view is None or view.tree is None:
        return
    for stmt in view.tree.body:
        if not _is_parameter(stmt):
            line, col = view.to_cell(stmt.lineno, stmt.col_offset + 1)
            text = shorten(cell.lines[line - 1].strip(), 40)
            yield Finding(
                "NB802",
                f"`{text}` is not `name = literal`: papermill appends overrides after this cell, "
                "so computed values here are silently not updated; compute them in a later cell",
                cell.number,
                line,
                col,
            )


#: keyword arguments and variables that are tuning knobs of a model or a split
HYPERPARAMETERS = frozenset(
    "n_estimators max_depth learning_rate lr test_size train_size val_size validation_split "
    "epochs n_epochs num_epochs batch_size n_clusters n_components max_iter min_samples_split "
    "min_samples_leaf max_leaf_nodes num_leaves n_neighbors dropout momentum weight_decay "
    "subsample colsample_bytree reg_alpha reg_lambda l1_ratio eta num_boost_round "
    "hidden_size hidden_units num_layers n_layers alpha C gamma".split()
)


#: functions (besides classes, i.e. estimators, optimisers, layers) that take hyperparameters
_TRAINING_FUNCTIONS = frozenset("train_test_split fit train compile cv".split())
#: hyperparameter names that plotting libraries use too (``alpha=0.5`` is transparency)
_AMBIGUOUS = frozenset({"alpha", "C", "gamma", "eta"})
_ML_PACKAGES = (
    "sklearn.",
    "xgboost.",
    "lightgbm.",
    "catboost.",
    "statsmodels.",
    "torch.",
    "tensorflow.",
    "keras.",
)


def _trains(call: ast.Call) -> bool:
    """A call that builds or trains a model: a class (``RandomForestClassifier(...)``) or one of
    :data:`_TRAINING_FUNCTIONS`."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name[:1].isupper() or name in _TRAINING_FUNCTIONS


@check("NB803")
def hard_coded_hyperparameter(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    params = nb.parameters_cell
    names = aliases(nb)
    for p in parsed_cells(nb):
        if p.cell is params:
            continue
        for node in p.calls():
            if _trains(node):
                ml = (qualified(node.func, names) or "").startswith(_ML_PACKAGES)
                for k in node.keywords:
                    if k.arg in _AMBIGUOUS and not ml:
                        continue
                    if k.arg in HYPERPARAMETERS and is_number(k.value):
                        yield p.finding(
                            "NB803",
                            f"`{k.arg}={p.text(k.value, 20)}` is hard-coded: make it a variable "
                            "in the `parameters` cell so runs can vary it",
                            k.value,
                        )
        for stmt in p.tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id in HYPERPARAMETERS
                and is_number(stmt.value)
            ):
                name = stmt.targets[0].id
                yield p.finding(
                    "NB803",
                    f"`{name} = {p.text(stmt.value, 20)}` is set outside the `parameters` cell: "
                    "move it there so runs can vary it",
                    stmt,
                )


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S|^\s*<h[1-6]\b|^[^\n]+\n\s*(?:=+|-+)\s*$", re.I | re.M)


@check("NB804")
def missing_title(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and _HEADING.search(cell.source):
            return
        if cell.is_code and cell.source.strip():
            break
    yield Finding(
        "NB804",
        "no markdown heading before the first code cell: start with a `# Title` cell that says "
        "what the notebook does",
    )


@check("NB805")
def missing_narrative(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    per_markdown = option(ctx, "NB805", "max_code_cells_per_markdown")
    code = [c for c in nb.code_cells if c.source.strip()]
    prose = [c for c in nb.cells if c.cell_type == "markdown" and c.source.strip()]
    needed = len(code) // per_markdown
    if needed and len(prose) < needed:
        yield Finding(
            "NB805",
            f"{len(code)} code cells but only {len(prose)} markdown cells: explain each step "
            f"(at least one markdown cell per {per_markdown} code cells)",
        )


_SAVES = re.compile(r"savefig|write_image|write_html|to_file|save")


@check("NB806")
def figure_not_saved(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    names = aliases(nb)
    for p in parsed_cells(nb):
        calls = [(c, qualified(c.func, names) or "") for c in p.calls()]
        if any(_SAVES.search(name.rsplit(".", 1)[-1]) for _, name in calls):
            continue
        for call, name in calls:
            if name == "matplotlib.pyplot.show":
                yield p.finding(
                    "NB806",
                    "the figure is shown but never saved: a scheduled run keeps nothing; "
                    "`plt.savefig(...)` it to the run's output directory",
                    call,
                )


@check("NB807")
def foreign_cell_magic(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell, magic in magics(nb):
        if magic.kind == "foreign":
            yield Finding(
                "NB807",
                f"`%%{magic.name}` cell: lint cannot check inside it and extract cannot turn it "
                "into Python; move the code to a script or to Python calls",
                cell.number,
                magic.line,
            )


_INTERACTIVE = frozenset(
    "input getpass.getpass ipywidgets.interact ipywidgets.interactive ipywidgets.interact_manual "
    "matplotlib.pyplot.ginput".split()
)


@check("NB808")
def interactive_input(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    names = aliases(nb)
    for p in parsed_cells(nb):
        nodes = [c.func for c in p.calls()]
        nodes += [d for fn in p.of(ast.FunctionDef) for d in fn.decorator_list]
        for node in nodes:
            name = qualified(node, names)
            if name in _INTERACTIVE:
                yield p.finding(
                    "NB808",
                    f"`{p.text(node)}()` waits for a person: an unattended run hangs here; make "
                    "the value a parameter",
                    node,
                )


@check("NB809")
def missing_kernelspec(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    if not nb.kernel_name:
        yield Finding(
            "NB809",
            "the notebook names no kernel (`metadata.kernelspec`): papermill cannot run it "
            "without `-k`; open it in Jupyter, pick a kernel and save",
        )
