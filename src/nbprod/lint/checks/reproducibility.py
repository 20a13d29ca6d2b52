"""NB1xx reproducibility: will a fresh top-to-bottom run give the results the notebook shows?"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Iterator

from nbprod.lint.checks.common import (
    aliases,
    docstring_nodes,
    dotted,
    first_definitions,
    is_ambient,
    keyword,
    magics,
    names_are_knowable,
    parsed_cells,
    qualified,
    shorten,
    string_value,
)
from nbprod.lint.registry import Context, Finding, check
from nbprod.notebook.dataflow import root_name

if TYPE_CHECKING:
    from nbprod.notebook import Notebook


@check("NB101")
def non_linear_execution(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    previous = None  # (cell number, execution count) of the last executed code cell
    for cell in nb.code_cells:
        count = cell.execution_count
        if count is None:
            continue
        if previous is not None and count < previous[1]:
            yield Finding(
                "NB101",
                f"ran before the cell above it (execution count {count} after {previous[1]} in "
                f"cell {previous[0]}): restart the kernel and run all cells in order",
                cell.number,
            )
        previous = (cell.number, count)


@check("NB102")
def unexecuted_or_stale(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    code = [c for c in nb.code_cells if c.source.strip()]
    executed = [c for c in code if c.execution_count is not None]
    for cell in code:
        if executed and cell.execution_count is None:
            yield Finding(
                "NB102",
                f"never executed while {len(executed)} other cells were: the outputs below may "
                "not come from this code",
                cell.number,
            )
            continue
        for output in cell.outputs:
            shown = output.get("execution_count")
            if output.get("output_type") == "execute_result" and shown is not None:
                if shown != cell.execution_count:
                    yield Finding(
                        "NB102",
                        f"output comes from execution {shown} but the cell's count is "
                        f"{cell.execution_count}: it is stale",
                        cell.number,
                    )
                    break


@check("NB103")
def used_before_defined(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    if not names_are_knowable(nb):
        return
    first = first_definitions(nb)
    for p in parsed_cells(nb):
        flow = nb.flow(p.cell)
        for name, (line, col) in flow.inputs.items():
            where = first.get(name)
            if where is None or is_ambient(name) or where < p.cell.number:
                continue
            later = "later in this cell" if where == p.cell.number else f"in cell {where} below"
            yield Finding(
                "NB103",
                f"`{name}` is read here but first defined {later}: this only works with "
                "leftover kernel state",
                p.cell.number,
                line,
                col,
            )


# -- randomness ----------------------------------------------------------------------------------

_PY_RANDOM = frozenset(
    "random randint randrange choice choices shuffle sample uniform gauss normalvariate "
    "triangular betavariate expovariate gammavariate lognormvariate vonmisesvariate "
    "paretovariate weibullvariate getrandbits randbytes binomialvariate".split()
)
_NP_NOT_DRAWS = frozenset(
    "seed default_rng RandomState Generator SeedSequence BitGenerator PCG64 PCG64DXSM MT19937 "
    "Philox SFC64 get_state set_state".split()
)
#: scikit-learn callables whose result depends on ``random_state`` by default
_SKLEARN_RANDOM = frozenset(
    "train_test_split ShuffleSplit StratifiedShuffleSplit GroupShuffleSplit RepeatedKFold "
    "RepeatedStratifiedKFold RandomizedSearchCV RandomForestClassifier RandomForestRegressor "
    "ExtraTreesClassifier ExtraTreesRegressor GradientBoostingClassifier "
    "GradientBoostingRegressor HistGradientBoostingClassifier HistGradientBoostingRegressor "
    "DecisionTreeClassifier DecisionTreeRegressor ExtraTreeClassifier ExtraTreeRegressor "
    "AdaBoostClassifier AdaBoostRegressor BaggingClassifier BaggingRegressor IsolationForest "
    "RandomTreesEmbedding KMeans MiniBatchKMeans BisectingKMeans GaussianMixture "
    "BayesianGaussianMixture TruncatedSVD FastICA TSNE MDS SpectralClustering SpectralEmbedding "
    "SGDClassifier SGDRegressor SGDOneClassSVM Perceptron PassiveAggressiveClassifier "
    "PassiveAggressiveRegressor MLPClassifier MLPRegressor RBFSampler Nystroem "
    "GaussianRandomProjection SparseRandomProjection make_classification make_regression "
    "make_blobs make_moons make_circles make_swiss_roll make_s_curve shuffle resample".split()
)
_SHUFFLE_SPLITTERS = frozenset({"KFold", "StratifiedKFold", "GroupKFold"})
_TORCH_DRAWS = frozenset("rand randn randint randperm normal bernoulli multinomial".split())
_SEEDERS = {
    "random": ("random.seed",),
    "numpy": ("numpy.random.seed",),
    "torch": ("torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed_all"),
    "tensorflow": ("tensorflow.random.set_seed", "tensorflow.keras.utils.set_random_seed"),
}
_GLOBAL_SEEDERS = (  # seed every library at once
    "pytorch_lightning.seed_everything",
    "lightning.seed_everything",
    "lightning.pytorch.seed_everything",
    "transformers.set_seed",
    "keras.utils.set_random_seed",
)


def _random_use(call: ast.Call, name: str, seeded: set[str]) -> tuple[str, str] | None:
    """(library, advice) when ``call`` (qualified ``name``) draws from an unseeded generator."""
    parts = name.split(".")
    last = parts[-1]
    if parts[0] == "random" and len(parts) == 2 and last in _PY_RANDOM and "random" not in seeded:
        return "random", "call `random.seed(SEED)` first or use `random.Random(SEED)`"
    if name.startswith("numpy.random.") and len(parts) == 3:
        if last in ("default_rng", "RandomState") and not call.args and not call.keywords:
            return "numpy", f"pass a seed: `{last}(SEED)`"
        if last not in _NP_NOT_DRAWS and "numpy" not in seeded:
            return "numpy", "use `rng = np.random.default_rng(SEED)` and draw from `rng`"
    if parts[0] == "sklearn" and "numpy" not in seeded and keyword(call, "random_state") is None:
        shuffled = keyword(call, "shuffle")
        if last in _SKLEARN_RANDOM or (
            last in _SHUFFLE_SPLITTERS
            and isinstance(shuffled, ast.Constant)
            and shuffled.value is True
        ):
            return "sklearn", "pass `random_state=SEED`"
    if parts[0] == "torch" and len(parts) == 2 and last in _TORCH_DRAWS and "torch" not in seeded:
        return "torch", "call `torch.manual_seed(SEED)` first"
    if name.startswith("tensorflow.random.") and last != "set_seed" and "tensorflow" not in seeded:
        return "tensorflow", "call `tf.random.set_seed(SEED)` first"
    return None


@check("NB104")
def unseeded_randomness(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    names = aliases(nb)
    calls = [(p, c, qualified(c.func, names)) for p in parsed_cells(nb) for c in p.calls()]
    done = {q for _, _, q in calls if q}
    seeded = {lib for lib, seeders in _SEEDERS.items() if done.intersection(seeders)}
    if done.intersection(_GLOBAL_SEEDERS):
        seeded |= set(_SEEDERS)
    reported: set[str] = set()
    for p, call, name in calls:
        use = _random_use(call, name, seeded) if name else None
        if use is None:
            continue
        library, advice = use
        if library != "sklearn":  # one finding per library: the first unseeded draw
            if library in reported:
                continue
            reported.add(library)
        written = dotted(call.func)
        yield p.finding(
            "NB104", f"`{written}()` draws from an unseeded random generator: {advice}", call
        )
    yield from _unseeded_pandas_sample(nb, seeded)


def _unseeded_pandas_sample(nb: Notebook, seeded: set[str]) -> Iterator[Finding]:
    """``df.sample(...)`` without ``random_state`` (pandas falls back to numpy's global state)."""
    if "numpy" in seeded:
        return
    names = aliases(nb)
    not_frames = set(names)  # modules (random.sample) and models (GaussianMixture.sample)
    for p in parsed_cells(nb):
        for node in p.of(ast.Assign):
            if isinstance(node.value, ast.Call):
                made_by = qualified(node.value.func, names) or ""
                if made_by.startswith(("sklearn.", "scipy.", "torch.")):
                    not_frames.update(root_name(t) for t in node.targets)
    for p in parsed_cells(nb):
        for call in p.calls():
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "sample"
                and root_name(func.value) not in not_frames
                and keyword(call, "random_state") is None
            ):
                yield p.finding(
                    "NB104",
                    f"`{p.text(func)}()` draws an unseeded sample: pass `random_state=SEED`",
                    call,
                )


# -- dependencies and environment ----------------------------------------------------------------


@check("NB105")
def install_in_notebook(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell, magic in magics(nb):
        if magic.kind == "install":
            yield Finding(
                "NB105",
                f"`{shorten(magic.text)}` installs packages at run time: declare them in "
                "requirements.txt or pyproject.toml with versions",
                cell.number,
                magic.line,
            )


_ABSOLUTE = re.compile(
    r"(?:[A-Za-z]:\\|[A-Za-z]:/(?=\w)|~[\\/]|/(?:home|Users|mnt|media|root|Volumes|content/drive|"
    r"kaggle|gpfs|scratch|data|srv|opt)/)"
)


@check("NB106")
def absolute_path(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        docstrings = docstring_nodes(p)
        for node in p.of(ast.Constant, ast.JoinedStr):
            text = string_value(node)
            if text is None or id(node) in docstrings or "\n" in text:
                continue
            if _ABSOLUTE.match(text) and "://" not in text:
                shown = shorten(text, 50)
                yield p.finding(
                    "NB106",
                    f"path `{shown}` exists only on one machine: make it relative to the "
                    "project or a parameter",
                    node,
                )


# -- data from the network -----------------------------------------------------------------------

_URL = re.compile(r"(?:https?|ftp|s3|gs)://(?!localhost\b|127\.|0\.0\.0\.0)", re.I)
#: callables that read what they are given: a URL argument means a download
_READERS = frozenset(
    "read_csv read_json read_excel read_parquet read_html read_table read_fwf read_pickle "
    "read_feather read_xml read_stata read_sas read_orc loadtxt genfromtxt load urlopen "
    "urlretrieve download get_file imread".split()
)
_NETWORK_MODULES = frozenset({"requests", "httpx", "urllib", "urllib3", "wget", "gdown"})
_FETCHERS = re.compile(
    r"sklearn\.datasets\.fetch_\w+|seaborn\.load_dataset|datasets\.load_dataset|"
    r"tensorflow_datasets\.load|(?:tensorflow\.)?keras\.datasets\.\w+\.load_data"
)


def _url_constants(nb: Notebook) -> dict[str, str]:
    """Module-level ``NAME = "https://..."`` assignments over the notebook."""
    urls = {}
    for p in parsed_cells(nb):
        for stmt in p.tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                text = string_value(stmt.value)
                if isinstance(stmt.targets[0], ast.Name) and text and _URL.match(text):
                    urls[stmt.targets[0].id] = text
    return urls


@check("NB107")
def data_from_url(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    names = aliases(nb)
    urls = _url_constants(nb)
    for p in parsed_cells(nb):
        for call in p.calls():
            name = qualified(call.func, names) or ""
            written = dotted(call.func) or p.text(call.func)
            if _FETCHERS.fullmatch(name):
                yield p.finding(
                    "NB107",
                    f"`{written}()` downloads data at run time: download once, version the "
                    "file, and read it from disk",
                    call,
                )
                continue
            args = [*call.args, *(k.value for k in call.keywords)]
            url = next((_arg_url(a, urls) for a in args if _arg_url(a, urls)), None)
            last = name.rsplit(".", 1)[-1]
            network = name.split(".")[0] in _NETWORK_MODULES and last in ("get", "request")
            if url and (network or last in _READERS):
                yield p.finding(
                    "NB107",
                    f"`{written}()` reads `{shorten(url, 50)}` at run time: the data can change "
                    "or vanish; download it once, version it, and read it from disk",
                    call,
                )
    for cell, magic in magics(nb):
        text = magic.body if magic.cell_magic and magic.body else magic.args
        if magic.kind in ("shell", "foreign") and re.search(r"\b(?:wget|curl)\b", text or ""):
            yield Finding(
                "NB107",
                f"`{shorten(magic.text)}` downloads data at run time: download once, version "
                "the file, and read it from disk",
                cell.number,
                magic.line,
            )


def _arg_url(node: ast.AST, urls: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return urls.get(node.id)
    text = string_value(node)
    return text if text and _URL.match(text) else None


@check("NB108")
def change_directory(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell, magic in magics(nb):
        if magic.name in ("cd", "pushd", "popd"):
            yield Finding(
                "NB108",
                f"`{shorten(magic.text)}` changes the working directory: later relative paths "
                "depend on which cells ran before; use paths relative to one project root",
                cell.number,
                magic.line,
            )
    names = aliases(nb)
    for p in parsed_cells(nb):
        for call in p.calls():
            if qualified(call.func, names) in ("os.chdir", "os.fchdir"):
                yield p.finding(
                    "NB108",
                    f"`{dotted(call.func)}()` changes the working directory: later relative "
                    "paths depend on which cells ran before; use paths relative to one root",
                    call,
                )
