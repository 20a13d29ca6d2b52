"""What Python code does, read with ``ast`` (never imported, never run).

:func:`hits` reads one tree, a ``.py`` module or a notebook cell's Python view, and reports every
call that is evidence of a practice: training, parameters, seeds, experiment tracking, a model
registry, data validation, monitoring, serving (the patterns are data: :data:`CALLS`).
:func:`module_facts` adds what a module imports and whether it is runnable (``__main__`` guard).
:class:`ProjectIndex` answers the questions that span files: does this test import training or
feature code, does this entry point reach training code and take parameters?
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections import deque
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import PurePosixPath
from typing import Iterable, Mapping

#: practice -> qualified names of the calls that show it (fnmatch patterns). ``*.name`` is a
#: method of any object; ``pattern[kw]`` also needs keyword ``kw``, ``pattern[*]`` any argument.
# fmt: off
CALLS: dict[str, tuple[str, ...]] = {
    "train": (
        "*.fit", "*.partial_fit", "*.fit_generator", "*.train", "*.backward",
        "xgboost.train", "lightgbm.train", "catboost.train",
    ),
    "feature": (
        "*.fit_transform", "sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline",
        "sklearn.compose.ColumnTransformer", "sklearn.compose.make_column_transformer",
    ),
    "parameters": (
        "argparse.ArgumentParser", "click.command", "click.group", "click.option",
        "click.argument", "typer.Typer", "typer.run", "fire.Fire", "hydra.main",
        "docopt.docopt", "jsonargparse.*", "dvc.api.params_show", "papermill.execute_notebook",
    ),
    "seed": (
        "random.seed", "numpy.random.seed", "numpy.random.default_rng[*]",
        "numpy.random.RandomState[*]", "torch.manual_seed", "torch.cuda.manual_seed_all",
        "tensorflow.random.set_seed", "*.set_random_seed", "transformers.set_seed",
        "*.seed_everything",
    ),
    "tracking": (
        "mlflow.log_*", "mlflow.start_run", "mlflow.autolog", "mlflow.*.autolog",
        "mlflow.set_experiment", "wandb.init", "wandb.log", "dvclive.Live", "dvclive.live.Live",
        "neptune.init_run", "comet_ml.Experiment", "comet_ml.start", "clearml.Task.init",
        "aim.Run", "sacred.Experiment", "torch.utils.tensorboard.SummaryWriter",
        "tensorboardX.SummaryWriter",
    ),
    "registry": (
        "mlflow.register_model", "*.log_model[registered_model_name]",
        "*.create_registered_model", "*.create_model_version", "*.transition_model_version_stage",
        "*.set_registered_model_alias", "*.link_model", "*.push_to_hub",
        "huggingface_hub.upload_folder", "bentoml.*.save_model",
        "google.cloud.aiplatform.Model.upload", "azure.ai.ml.entities.Model",
    ),
    "model-save": (
        "joblib.dump", "pickle.dump", "skops.io.dump", "torch.save", "onnx.save",
        "mlflow.*.log_model", "mlflow.*.save_model", "*.save_model", "*.save_pretrained",
    ),
    "validation": (
        "pandera.*", "great_expectations.*", "tensorflow_data_validation.*", "deepchecks.*",
        "frictionless.validate", "soda.*",
    ),
    "monitoring": (
        "evidently.*", "nannyml.*", "whylogs.*", "alibi_detect.*", "frouros.*",
        "prometheus_client.*", "prometheus_fastapi_instrumentator.*",
    ),
    "serving": (
        "fastapi.FastAPI", "flask.Flask", "bentoml.Service", "bentoml.service",
        "mlflow.pyfunc.load_model", "ray.serve.*", "litserve.*", "kserve.*",
    ),
}
# fmt: on
#: practice -> qualified names that show it when merely read (no call)
READS: dict[str, tuple[str, ...]] = {"parameters": ("sys.argv",)}
#: call keywords whose constant integer value fixes a seed
SEED_KEYWORDS = frozenset({"random_state", "seed", "random_seed"})
#: a function whose name says it prepares features
FEATURE_NAME = re.compile(r"feature|preprocess|transform|clean|prepar|encod|impute|scal|normali")
#: a function whose name says it trains
TRAIN_NAME = re.compile(r"^(train|fit)(_|$)")
#: libraries without which a function's name says nothing about data (``_encode`` in a CLI)
DATA_LIBRARIES = frozenset(
    "pandas numpy polars pyarrow scipy sklearn statsmodels torch tensorflow keras jax xgboost "
    "lightgbm catboost pyspark dask".split()
)


@dataclass(frozen=True)
class Hit:
    """A call (or read) that shows ``practice``, at ``line``/``column`` of its tree."""

    practice: str
    line: int
    column: int
    text: str  # the qualified name, e.g. ``mlflow.log_metric`` or ``model.fit``


@dataclass(frozen=True)
class Import:
    """``from ..pkg import a`` -> module ``pkg``, names ``("a",)``, level 2."""

    module: str
    names: tuple[str, ...]
    level: int
    line: int


@dataclass(frozen=True)
class ModuleFacts:
    """What one ``.py`` file does."""

    path: str  # posix, relative to the repository root
    hits: tuple[Hit, ...]
    imports: tuple[Import, ...]
    main_guard: int | None  # line of ``if __name__ == "__main__":``
    test_functions: tuple[int, ...] = ()  # lines of ``def test*``
    problem: str | None = None  # why it could not be parsed

    def practice(self, name: str) -> tuple[Hit, ...]:
        """The hits of one practice, calls first (a call proves more than a function's name)."""
        found = [h for h in self.hits if h.practice == name]
        return tuple(sorted(found, key=lambda h: h.text.startswith("def ")))

    @property
    def is_test(self) -> bool:
        return is_test_path(self.path)


def is_test_path(path: str) -> bool:
    """pytest's conventions: ``test_*.py``, ``*_test.py``, or any file under a ``tests`` dir."""
    p = PurePosixPath(path)
    if p.name == "conftest.py":
        return False
    in_tests = any(part in ("test", "tests") for part in p.parts[:-1])
    return in_tests or p.name.startswith("test_") or p.stem.endswith("_test")


def aliases(trees: Iterable[ast.AST]) -> dict[str, str]:
    """Local name -> qualified name for every absolute import, at any depth (libraries are often
    imported inside the function that uses them)."""
    return _aliases(
        node
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    )


def _aliases(nodes: Iterable[ast.Import | ast.ImportFrom]) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                out[alias.asname or root] = alias.name if alias.asname else root
        elif node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _compile(table: Mapping[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern, str | None]]:
    out = []
    for practice, patterns in table.items():
        for pattern in patterns:
            need = None
            if pattern.endswith("]"):
                pattern, _, need = pattern[:-1].partition("[")
            out.append((practice, re.compile(fnmatch.translate(pattern)), need))
    return out


@lru_cache(maxsize=None)
def _compiled(table: str) -> list[tuple[str, re.Pattern, str | None]]:
    return _compile({"calls": CALLS, "reads": READS}[table])


_READ_ATTRS = frozenset(p.rsplit(".", 1)[-1] for patterns in READS.values() for p in patterns)


@lru_cache(maxsize=4096)
def _candidates(table: str, name: str) -> tuple[tuple[str, str | None], ...]:
    """(practice, keyword needed) of every pattern of ``table`` that ``name`` matches."""
    return tuple((p, need) for p, regex, need in _compiled(table) if regex.match(name))


def _needs_met(need: str | None, call: ast.Call | None) -> bool:
    if need is None:
        return True
    if call is None:
        return False
    if need == "*":
        return bool(call.args or call.keywords)
    return any(k.arg == need for k in call.keywords)


def hits(tree: ast.AST, names: dict[str, str], nodes: list[ast.AST] | None = None) -> list[Hit]:
    """Every call or read in ``tree`` that is evidence of a practice, in source order
    (``nodes``: ``ast.walk(tree)`` when the caller has it already). Functions named like
    training or feature code count only where a data library is imported."""
    from nbprod.lint.checks.common import qualified  # the lint checks' own name resolution

    out: list[Hit] = []
    data = any(q.split(".")[0] in DATA_LIBRARIES for q in names.values())
    for node in ast.walk(tree) if nodes is None else nodes:
        if isinstance(node, ast.Call):
            name, table, call = qualified(node.func, names), "calls", node
            if name is None and isinstance(node.func, ast.Attribute):  # Model(...).fit(X, y)
                name = ast.unparse(node.func)
            for kw in node.keywords:
                value = kw.value
                if kw.arg in SEED_KEYWORDS and isinstance(value, ast.Constant):
                    if isinstance(value.value, int) and not isinstance(value.value, bool):
                        out.append(
                            Hit("seed", node.lineno, node.col_offset + 1, f"{kw.arg}={value.value}")
                        )
        elif isinstance(node, ast.Attribute) and node.attr in _READ_ATTRS:
            name, table, call = qualified(node, names), "reads", None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            seed = next(
                (a.arg for a in node.args.args + node.args.kwonlyargs if a.arg in SEED_KEYWORDS),
                None,
            )
            if seed:
                out.append(
                    Hit("seed", node.lineno, node.col_offset + 1, f"def {node.name}(..., {seed})")
                )
            if not data:
                continue
            kind = "train" if TRAIN_NAME.search(node.name) else None
            kind = kind or ("feature" if FEATURE_NAME.search(node.name) else None)
            if kind:
                out.append(Hit(kind, node.lineno, node.col_offset + 1, f"def {node.name}"))
            continue
        else:
            continue
        if name is None:
            continue
        found = dict.fromkeys(p for p, need in _candidates(table, name) if _needs_met(need, call))
        out += [Hit(p, node.lineno, node.col_offset + 1, name) for p in found]
    return sorted(out, key=lambda h: (h.line, h.column, h.practice))


def module_facts(path: str, text: str) -> ModuleFacts:
    """Parse and summarise one ``.py`` file (a file that does not parse gets a ``problem``)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        return ModuleFacts(path, (), (), None, problem=f"{type(exc).__name__}{where}")
    nodes = list(ast.walk(tree))
    imports: list[Import] = []
    tests: list[int] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            imports += [Import(a.name, (), 0, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            listed = tuple(a.name for a in node.names if a.name != "*")
            imports.append(Import(node.module or "", listed, node.level, node.lineno))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith("test"):
                tests.append(node.lineno)
    names = _aliases(n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)))
    guard = next((n.lineno for n in tree.body if _is_main_guard(n)), None)
    imports.sort(key=lambda i: i.line)
    found = tuple(hits(tree, names, nodes))
    return ModuleFacts(path, found, tuple(imports), guard, tuple(sorted(tests)))


def _is_main_guard(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


class ProjectIndex:
    """The project's own modules, how they import each other, and what each one reaches."""

    def __init__(self, modules: Mapping[str, ModuleFacts]):
        self.modules = dict(modules)
        self._packages = {
            str(PurePosixPath(p).parent) for p in modules if p.endswith("__init__.py")
        }
        self.by_name: dict[str, list[str]] = {}
        self._reach: dict[str, dict[str, tuple[str, int]]] = {}
        for path in sorted(self.modules):
            for name in self.dotted_names(path):
                self.by_name.setdefault(name, []).append(path)

    def dotted_names(self, path: str) -> list[str]:
        """The names ``path`` can be imported as: one per directory that could be on sys.path
        (the repository root, ``src/``, any directory that is not itself a package)."""
        parts = list(PurePosixPath(path).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names = []
        for start in range(len(parts)):
            root = "/".join(parts[:start]) or "."
            if start == 0 or root not in self._packages:
                names.append(".".join(parts[start:]))
        return [n for n in names if n]

    def resolve(self, path: str, imp: Import) -> list[str]:
        """The project files an import statement in ``path`` executes (packages' ``__init__``
        included, as Python runs them)."""
        if imp.level:
            base = PurePosixPath(path).parent
            for _ in range(imp.level - 1):
                base = base.parent
            prefix = [] if str(base) == "." else list(base.parts)
            module = prefix + (imp.module.split(".") if imp.module else [])
            candidates = [module + [n] for n in imp.names] + [module]
            files = []
            for parts in candidates:
                stem = "/".join(parts)
                files += [f for f in (f"{stem}.py", f"{stem}/__init__.py") if f in self.modules]
            return files
        dotted = imp.module.split(".")
        names = [".".join(dotted[: i + 1]) for i in range(len(dotted))]
        names += [f"{imp.module}.{n}" for n in imp.names]
        return [f for name in names for f in self.by_name.get(name, ())]

    @cached_property
    def edges(self) -> dict[str, list[tuple[str, int]]]:
        """path -> (imported project file, line of the import)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for path, facts in self.modules.items():
            seen: dict[str, int] = {}
            for imp in facts.imports:
                for target in self.resolve(path, imp):
                    if target != path:
                        seen.setdefault(target, imp.line)
            out[path] = list(seen.items())
        return out

    def reach(self, path: str) -> dict[str, tuple[str, int]]:
        """Every project file ``path`` runs through imports -> (the file that imports it first on
        the way, the line of that import). ``path`` itself maps to itself, line 0."""
        if path in self._reach:
            return self._reach[path]
        found: dict[str, tuple[str, int]] = {path: (path, 0)}
        queue = deque([path])
        while queue:
            current = queue.popleft()
            for target, line in self.edges.get(current, ()):
                if target not in found:
                    found[target] = (current, line)
                    queue.append(target)
        self._reach[path] = found
        return found

    def first(self, path: str, practice: str, *, tests: bool = False) -> tuple[str, Hit] | None:
        """The first file ``path`` reaches (itself included) that shows ``practice``; test
        files count only with ``tests=True``."""
        for target in self.reach(path):
            facts = self.modules[target]
            if facts.is_test and not tests:
                continue
            found = facts.practice(practice)
            if found:
                return target, found[0]
        return None

    def import_line(self, start: str, target: str) -> int:
        """The line of ``start`` whose import leads (directly or not) to ``target``."""
        found = self.reach(start)
        while target in found and found[target][0] != start:
            target = found[target][0]
        return found[target][1] if target in found else 1

    def module_file(self, dotted: str) -> str | None:
        """``python -m pkg.mod`` -> the file it runs (a package runs its ``__main__``)."""
        files = self.by_name.get(dotted, [])
        for f in files:
            if f.endswith("/__init__.py"):
                main = f[: -len("__init__.py")] + "__main__.py"
                return main if main in self.modules else f
        return files[0] if files else None
