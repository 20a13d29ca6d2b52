"""Evidence: what a repository's files show, each fact with the file and line that prove it.

An :class:`Evidence` names a *fact* (``ci-test``, ``env-pinned``, ``tracking-code`` ...; the
criteria in :mod:`nbprod.assess.criteria` are rules over facts), the file, line and cell that
prove it, and a one-line note. File scanners (:data:`SCANNERS`) are pure functions of one file's
path and text. Three readers need the whole repository at once: Python modules (what imports what,
which entry point reaches training code), notebooks (the lint engine's findings per limitation,
and the practices their cells show) and CI (what each step runs, resolved against the project's
own entry points). :func:`collect` runs them all; nothing is executed.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from nbprod.assess import ci
from nbprod.assess.code import ModuleFacts, ProjectIndex, aliases, hits, module_facts
from nbprod.assess.repository import Repository
from nbprod.lint.config import LINT_KEYS
from nbprod.report import plural

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Evidence:
    """One fact and where it shows. ``line``/``cell`` are None for a whole file."""

    fact: str
    path: str
    line: int | None
    note: str
    cell: int | None = None

    @property
    def where(self) -> str:
        """``PATH:LINE``, ``PATH:cell N:LINE`` or ``PATH``."""
        cell = f":cell {self.cell}" if self.cell is not None else ""
        return f"{self.path}{cell}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True)
class LimitationSummary:
    """Lint findings of one limitation over all notebooks."""

    findings: int
    notebooks: int
    codes: tuple[tuple[str, int], ...]  # (code, count), most frequent first


@dataclass
class Collected:
    evidence: list[Evidence] = field(default_factory=list)
    notebooks: int = 0  # notebooks linted
    limitations: dict[str, LimitationSummary] = field(default_factory=dict)


# -- file scanners: pure functions of (path, text) ------------------------------------------------

Scan = Callable[[str, str], Iterable[Evidence]]
_PINNED = re.compile(r"^[A-Za-z0-9][\w.\-]*(\[[\w,\s.\-]*\])?\s*(===?\s*[^\s,;=<>~!]+|@\s*\S+)$")
_CONDA_PINNED = re.compile(r"^[A-Za-z0-9][\w.\-]*\s*==?\s*[\w.*+!\-]+(=\w+)?$")


def _line_of(text: str, pattern: str, default: int = 1) -> int:
    m = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else default


def _requirements_evidence(path: str, reqs: list[tuple[int, str]], pinned_re: re.Pattern) -> list:
    if not reqs:
        return []
    loose = [(n, r) for n, r in reqs if not pinned_re.match(r)]
    pinned = f"{len(reqs) - len(loose)} of {plural(len(reqs), 'requirement')} pinned"
    if not loose:
        return [Evidence("env-pinned", path, reqs[0][0], pinned)]
    n, first = loose[0]
    note = f"{pinned} (`{first}` is not)"
    return [Evidence("env-declared", path, n, note)]


def requirements_txt(path: str, text: str) -> list[Evidence]:
    reqs = []
    for n, line in enumerate(text.splitlines(), 1):
        spec = re.split(r"\s+#|;", line.strip(), maxsplit=1)[0].strip().rstrip("\\").strip()
        if spec and not spec.startswith(("#", "-")):
            reqs.append((n, spec))
    return _requirements_evidence(path, reqs, _PINNED)


def conda_environment(path: str, text: str) -> list[Evidence]:
    doc = ci.compose_yaml(text)
    deps = doc.get("dependencies") if isinstance(doc, dict) else None
    if not isinstance(deps, list):
        return []
    conda = [(d.line, d.value) for d in deps if isinstance(d, ci.Scalar) and d.value != "pip"]
    pip = [
        (s.line, s.value)
        for d in deps
        if isinstance(d, dict)
        for s in d.get("pip") or ()
        if isinstance(s, ci.Scalar) and not s.value.startswith("-")
    ]
    return _requirements_evidence(path, conda + pip, _CONDA_PINNED)  # "=" and "==" both pin


def dockerfile(path: str, text: str) -> list[Evidence]:
    out = []
    m = re.search(r"^[ \t]*FROM\s+(?:--\S+\s+)*(\S+)", text, re.MULTILINE | re.IGNORECASE)
    if m:
        image = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        pin = "pinned by digest" if "@sha256:" in image else "tag, not digest"
        out.append(Evidence("env-declared", path, line, f"container image `{image}` ({pin})"))
    serve = re.search(
        r"^[ \t]*(CMD|ENTRYPOINT)\b.*\b(uvicorn|gunicorn|flask|bentoml|serve|torchserve)\b",
        text,
        re.MULTILINE | re.IGNORECASE,
    )
    if serve:
        line = text.count("\n", 0, serve.start()) + 1
        out.append(Evidence("serving-code", path, line, "container serves a model or an API"))
    return out


def _dependencies(path: str, text: str, data: dict) -> list[Evidence]:
    deps = _table(data, "project").get("dependencies")
    poetry = _table(_table(data, "tool"), "poetry")
    if isinstance(deps, list) and deps:
        line = _line_of(text, r"^[ \t]*dependencies\s*=")
        return _requirements_evidence(path, [(line, str(d)) for d in deps], _PINNED)
    table = _table(poetry, "dependencies")
    if table:
        line = _line_of(text, r"^\[tool\.poetry\.dependencies\]")
        specs = [
            (line, f"{name}=={v}" if re.fullmatch(r"\d[\w.]*", str(v)) else f"{name}{v}")
            for name, v in table.items()
            if name != "python"
        ]
        return _requirements_evidence(path, specs, _PINNED)
    return []


#: ``[tool.X]`` tables and ``setup.cfg``/``tox.ini`` sections that configure a static checker
LINTERS = ("ruff", "flake8", "pylint", "mypy", "nbqa", "nbprod", "isort", "black")


def pyproject(path: str, text: str) -> list[Evidence]:
    data = tomllib.loads(text)
    out = _dependencies(path, text, data)
    tool = _table(data, "tool")
    for name in LINTERS:
        # [tool.nbprod] configures lint only with lint's keys (extract keeps its own sub-tables)
        if name in tool and (name != "nbprod" or set(_table(tool, name)) & set(LINT_KEYS)):
            line = _line_of(text, rf"^\[tool\.{name}[\].]")
            out.append(Evidence("lint-config", path, line, f"[tool.{name}]"))
    return out


def setup_cfg(path: str, text: str) -> list[Evidence]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    out = []
    if parser.has_option("options", "install_requires"):
        line = _line_of(text, r"^[ \t]*install_requires\s*=")
        reqs = [r.strip() for r in parser.get("options", "install_requires").splitlines()]
        out += _requirements_evidence(path, [(line, r) for r in reqs if r], _PINNED)
    for section in parser.sections():
        if section.split(":")[-1].split(".")[0] in LINTERS:
            line = _line_of(text, rf"^\[{re.escape(section)}\]")
            out.append(Evidence("lint-config", path, line, f"[{section}]"))
    return out


def pre_commit_config(path: str, text: str) -> list[Evidence]:
    doc = ci.compose_yaml(text)
    if not isinstance(doc, dict):
        return []
    hooks = [
        h["id"]
        for repo in doc.get("repos") or ()
        if isinstance(repo, dict)
        for h in repo.get("hooks") or ()
        if isinstance(h, dict) and isinstance(h.get("id"), ci.Scalar)
    ]
    if not hooks:
        return []
    names = ", ".join(dict.fromkeys(h.value for h in hooks))
    out = [Evidence("pre-commit-config", path, hooks[0].line, f"hooks: {names}")]
    if "ci" in doc:
        line = _line_of(text, r"^ci:")
        out.append(Evidence("pre-commit-ci", path, line, "pre-commit.ci runs the hooks"))
    return out


def lfs_patterns(path: str, text: str) -> list[tuple[int, str]]:
    """(line, pattern relative to the repository) of each Git LFS rule of a ``.gitattributes``."""
    base = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    return [
        (n, base + line.split()[0].lstrip("/") if "/" in line.split()[0] else line.split()[0])
        for n, line in enumerate(text.splitlines(), 1)
        if "filter=lfs" in line.split()[1:] and not line.lstrip().startswith("#")
    ]


def gitattributes(path: str, text: str) -> list[Evidence]:
    return [
        Evidence("data-lfs", path, n, f"Git LFS stores `{pattern}`")
        for n, pattern in lfs_patterns(path, text)
    ]


def dvc_file(path: str, text: str) -> list[Evidence]:
    outs = re.findall(r"^[ \t]*-?\s*path:\s*(\S+)", text, re.MULTILINE)
    note = f"DVC tracks `{outs[0]}`" if outs else "DVC tracks data"
    return [Evidence("data-dvc", path, _line_of(text, r"^outs:"), note)]


def dvc_pipeline(path: str, text: str) -> list[Evidence]:
    doc = ci.compose_yaml(text)
    if not isinstance(doc, dict):
        return []
    stages = doc.get("stages") if isinstance(doc.get("stages"), dict) else {}
    if path.endswith("dvc.lock"):
        note = f"DVC records the data of {plural(len(stages), 'stage')}"
        return [Evidence("data-dvc", path, None, note)] if stages else []
    out = []
    for name, stage in stages.items():
        cmd = stage.get("cmd") if isinstance(stage, dict) else None
        if isinstance(cmd, ci.Scalar):
            note = f"DVC stage `{name}`: {cmd.value}"
            out.append(Evidence("pipeline-defined", path, cmd.line, note))
    artifacts = doc.get("artifacts") if isinstance(doc.get("artifacts"), dict) else {}
    for name, spec in artifacts.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if isinstance(kind, ci.Scalar) and kind.value == "model":
            out.append(Evidence("registry-config", path, kind.line, f"DVC model artifact `{name}`"))
    return out


def dvc_config(path: str, text: str) -> list[Evidence]:
    remote = re.search(r'^[ \t]*\[\s*[\'"]?remote\s+"([^"]+)"', text, re.MULTILINE)
    note = (
        f"DVC initialised, remote `{remote.group(1)}`" if remote else "DVC initialised, no remote"
    )
    return [Evidence("dvc-init", path, None, note)]


def mlproject(path: str, text: str) -> list[Evidence]:
    return [Evidence("pipeline-defined", path, _line_of(text, r"^entry_points:"), "MLflow project")]


def makefile(path: str, text: str) -> list[Evidence]:
    targets = ci.make_targets(text)
    out = []
    for target, recipe in targets.items():
        runs = [line for line, cmd in recipe if "train" in ci.command_kinds(cmd)]
        if runs or target == "train":
            line = runs[0] if runs else _line_of(text, rf"^{re.escape(target)}\s*:")
            out.append(Evidence("pipeline-defined", path, line, f"make target `{target}`"))
    return out


def readme(path: str, text: str) -> list[Evidence]:
    if "/" in path:
        return []
    return [Evidence("readme", path, None, f"{len(text.split())} words")]


def model_card(path: str, text: str) -> list[Evidence]:
    return [Evidence("model-card", path, None, f"{len(text.split())} words")]


#: files whose presence is the evidence: (file patterns, fact, note); nothing is read
PRESENCE: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "pixi.lock", "conda-lock.yml",
         "*.conda-lock.yml", "requirements*.lock"),
        "env-pinned",
        "lock file",
    ),
    (
        ("ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc", "mypy.ini"),
        "lint-config",
        "checker configuration",
    ),
    (("artifacts.yaml", ".gto"), "registry-config", "GTO model registry"),
)  # fmt: skip
#: (file patterns, scanner); patterns as :func:`nbprod.assess.repository.matches` reads them
SCANNERS: tuple[tuple[tuple[str, ...], Scan], ...] = (
    (("requirements*.txt", "requirements/*.txt"), requirements_txt),
    (("environment*.yml", "environment*.yaml", "conda.yml", "conda.yaml"), conda_environment),
    (("Dockerfile", "Dockerfile.*", "*.Dockerfile", "Containerfile"), dockerfile),
    (("pyproject.toml",), pyproject),
    (("setup.cfg", "tox.ini"), setup_cfg),
    ((".pre-commit-config.yaml", ".pre-commit-config.yml"), pre_commit_config),
    ((".gitattributes",), gitattributes),
    (("*.dvc",), dvc_file),
    (("dvc.yaml", "dvc.lock"), dvc_pipeline),
    ((".dvc/config",), dvc_config),
    (("MLproject",), mlproject),
    (("Makefile", "makefile", "GNUmakefile"), makefile),
    (("README", "README.*", "readme.*"), readme),
    (("MODEL_CARD*", "model_card*", "model-card*", "MODELCARD*", "modelcard*"), model_card),
)


# -- Python modules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    """A console script: ``name = module:function`` declared at ``path:line``."""

    name: str
    module: str
    path: str
    line: int


def entry_points(path: str, text: str) -> list[EntryPoint]:
    """Console scripts declared in a ``pyproject.toml``, ``setup.cfg`` or ``setup.py``."""
    found: dict[str, str] = {}
    name = PurePosixPath(path).name
    if name == "pyproject.toml":
        data = tomllib.loads(text)
        project = _table(data, "project")
        tables = [
            _table(project, "scripts"),
            _table(_table(project, "entry-points"), "console_scripts"),
        ]
        tables.append(_table(_table(_table(data, "tool"), "poetry"), "scripts"))
        for table in tables:
            for key, value in table.items():
                target = value.get("callable") if isinstance(value, dict) else value
                if isinstance(target, str):
                    found[key] = target
    elif name == "setup.cfg":
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text)
        if parser.has_option("options.entry_points", "console_scripts"):
            for line in parser.get("options.entry_points", "console_scripts").splitlines():
                key, _, target = line.partition("=")
                if target.strip():
                    found[key.strip()] = target.strip()
    elif name == "setup.py":
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.keyword) and node.arg == "entry_points":
                try:
                    value = ast.literal_eval(node.value)
                except (ValueError, SyntaxError):
                    continue
                scripts = value.get("console_scripts", []) if isinstance(value, dict) else []
                for line in [scripts] if isinstance(scripts, str) else scripts:
                    key, _, target = str(line).partition("=")
                    found[key.strip()] = target.strip()
    return [
        EntryPoint(
            key,
            target.split(":")[0].strip(),
            path,
            _line_of(text, rf"^[ \t]*['\"]?{re.escape(key)}\b"),
        )
        for key, target in found.items()
    ]


def _table(data: Any, key: str) -> dict:
    """``data[key]`` when both are TOML tables, else an empty table."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


#: practice seen in a module -> fact (practices not listed here are not facts of their own)
MODULE_FACTS = {
    "seed": "seed-code",
    "tracking": "tracking-code",
    "registry": "registry-code",
    "model-save": "model-save-code",
    "validation": "validation-code",
    "monitoring": "monitoring-code",
    "serving": "serving-code",
}
#: practices that count in test files too (a schema checked by a test is automated validation)
TEST_PRACTICES = frozenset({"validation"})


@dataclass
class Project:
    """The Python side of a repository: modules, their index, entry points."""

    index: ProjectIndex
    scripts: dict[str, EntryPoint]

    def entry_files(self) -> dict[str, tuple[str, int, str]]:
        """Runnable file -> (where it is declared, line, how it runs)."""
        out: dict[str, tuple[str, int, str]] = {}
        for path, facts in self.index.modules.items():
            if facts.is_test:
                continue
            if facts.main_guard is not None:
                out[path] = (path, facts.main_guard, "`__main__` guard")
            elif path.endswith("__main__.py"):
                out[path] = (path, 1, "`python -m` entry")
        for script in self.scripts.values():
            target = self.index.module_file(script.module)
            if target and target not in out:
                out[target] = (script.path, script.line, f"console script `{script.name}`")
        return out

    def command_target(self, command: str) -> str | None:
        """The project file a shell command runs: ``python x.py``, ``python -m pkg``, a console
        script (also behind ``poetry run``/``uv run``/...)."""
        words = command.split()
        while words and words[0] in ("poetry", "uv", "pdm", "hatch", "pipenv", "run", "exec"):
            words = words[1:]
        if not words:
            return None
        if words[0] in self.scripts:
            return self.index.module_file(self.scripts[words[0]].module)
        if re.fullmatch(r"python[\d.]*", words[0]):
            args = [w for w in words[1:] if not (w.startswith("-") and w != "-m")]
            if args[:1] == ["-m"] and len(args) > 1:
                return self.index.module_file(args[1])
            if args:
                rel = PurePosixPath(args[0].removeprefix("./")).as_posix()
                return rel if rel in self.index.modules else None
        return None


def python_evidence(modules: dict[str, ModuleFacts], project: Project) -> Iterator[Evidence]:
    index = project.index
    for path, facts in sorted(modules.items()):
        seen: set[str] = set()
        for hit in facts.hits:
            fact = MODULE_FACTS.get(hit.practice)
            if fact and fact not in seen and (not facts.is_test or hit.practice in TEST_PRACTICES):
                seen.add(fact)
                more = len(facts.practice(hit.practice)) - 1
                note = f"`{hit.text}`" + (f" (and {more} more)" if more else "")
                yield Evidence(fact, path, hit.line, note)
        if facts.is_test and facts.test_functions:
            yield Evidence(
                "tests", path, facts.test_functions[0], plural(len(facts.test_functions), "test")
            )
            reached = index.first(path, "train") or index.first(path, "feature")
            if reached is not None:
                target, hit = reached
                what = "trains" if hit.practice == "train" else "prepares features"
                note = f"imports {target}, which {what} (`{hit.text}`, line {hit.line})"
                yield Evidence("tests-training", path, index.import_line(path, target), note)
        elif not facts.is_test and facts.practice("train"):
            hit = facts.practice("train")[0]
            yield Evidence("training-module", path, hit.line, f"trains: `{hit.text}`")
    for path, (declared, line, how) in sorted(project.entry_files().items()):
        trains = index.first(path, "train")
        if trains is None:
            continue
        params = index.first(path, "parameters")
        where = f"`{trains[1].text}`, {trains[0]}:{trains[1].line}"
        if params is None:
            note = f"{how} runs training ({where}) but takes no parameters"
            yield Evidence("training-module", declared, line, note)
        else:
            note = f"{how} runs training ({where}) with parameters (`{params[1].text}`)"
            yield Evidence("training-cli", declared, line, note)


# -- notebooks: the lint engine, and the practices their cells show -------------------------------

#: practice seen in a notebook cell -> fact
NOTEBOOK_FACTS = {
    "seed": "seed-notebook",
    "tracking": "tracking-notebook",
    "registry": "registry-notebook",
    "model-save": "model-save-notebook",
    "validation": "validation-notebook",
    "monitoring": "monitoring-notebook",
    "train": "notebook-training",
}


def notebook_practices(nb: Notebook, path: str) -> Iterator[Evidence]:
    """The practices the cells of one notebook show (first cell showing each)."""
    from nbprod.lint.checks.common import parsed_cells

    parsed = list(parsed_cells(nb))
    names = aliases(p.tree for p in parsed)
    seen: set[str] = set()
    for p in parsed:
        for hit in hits(p.tree, names):
            fact = NOTEBOOK_FACTS.get(hit.practice)
            if fact and fact not in seen:
                seen.add(fact)
                line, _ = p.view.to_cell(hit.line, hit.column)
                yield Evidence(fact, path, line, f"`{hit.text}`", p.cell.number)
    cell = nb.parameters_cell
    if cell is not None and "notebook-training" in seen:
        note = "trains, with a `parameters` cell (papermill)"
        yield Evidence("parameterised-notebook", path, 1, note, cell.number)


def notebook_evidence(repo: Repository, collected: Collected) -> None:
    """Lint every notebook (with the project's own lint configuration) and read its practices."""
    from nbprod.config import ConfigError, ConfigFinder, ProjectConfig
    from nbprod.lint.config import lint_settings
    from nbprod.lint.engine import lint_notebook
    from nbprod.lint.registry import LIMITATIONS, load_rules
    from nbprod.notebook import LoadError, loads_notebook

    rules = load_rules()
    try:
        settings = lint_settings(ConfigFinder().for_path(repo.root), rules)
    except ConfigError as exc:
        repo.problems.append(f"{exc} (notebooks linted with every rule)")
        settings = lint_settings(ProjectConfig(root=repo.root), rules)
    per_limitation: dict[str, Counter] = {}
    notebooks_with: dict[str, set[str]] = {}
    summaries: list[tuple[int, Evidence]] = []  # (errors, summary): the worst notebooks first
    clean = linted = 0
    for path in repo.matching("*.ipynb"):
        absolute = repo.root / path
        if settings.excluded(absolute):
            continue
        raw = repo.raw(path)
        if raw is None:
            continue
        linted += 1
        try:
            nb = loads_notebook(raw, path)
        except LoadError as exc:
            repo.problems.append(str(exc))
            summaries.append((1, Evidence("notebook-lint", path, None, f"not valid: {exc.reason}")))
            continue
        outcome = lint_notebook(nb, path, settings.codes_for(absolute), settings.rule_settings)
        repo.problems.extend(outcome.errors)
        severities = Counter(d.severity for d in outcome.diagnostics)
        for d in outcome.diagnostics:
            per_limitation.setdefault(d.limitation, Counter())[d.code] += 1
            notebooks_with.setdefault(d.limitation, set()).add(path)
        clean += not severities["error"]
        parts = [plural(severities[s], s) for s in ("error", "warning", "info") if severities[s]]
        codes = Counter(d.code for d in outcome.diagnostics)
        top = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(codes.items()))
        note = (", ".join(parts) + f": {top}") if parts else "no findings"
        summaries.append((severities["error"], Evidence("notebook-lint", path, None, note)))
        collected.evidence.extend(notebook_practices(nb, path))
    collected.notebooks = linted
    collected.evidence += [e for _, e in sorted(summaries, key=lambda s: (-s[0], s[1].path))]
    order = {name: i for i, name in enumerate(LIMITATIONS)}
    for limitation in sorted(per_limitation, key=lambda name: order.get(name, 99)):
        counts = per_limitation[limitation]
        collected.limitations[limitation] = LimitationSummary(
            sum(counts.values()),
            len(notebooks_with[limitation]),
            tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
        )
    if linted == 0:
        collected.evidence.append(Evidence("notebooks-clean", ".", None, "no notebooks"))
    elif clean == linted:
        note = f"{plural(linted, 'notebook')}, none with error-severity findings"
        collected.evidence.append(Evidence("notebooks-clean", ".", None, note))
    elif clean:
        note = f"{clean} of {plural(linted, 'notebook')} without error-severity findings"
        collected.evidence.append(Evidence("notebooks-partly-clean", ".", None, note))


# -- CI -------------------------------------------------------------------------------------------

#: command kind -> fact of a step that runs automatically
CI_FACTS = {
    "test": "ci-test",
    "lint": "ci-lint",
    "pre-commit": "ci-pre-commit",
    "train": "ci-train",
    "deploy": "ci-deploy",
    "monitor": "ci-monitor",
    "track": "ci-tracking",
}
AUTOMATIC = frozenset({"push", "pull_request", "schedule", "event"})
TRIGGERED = frozenset({"schedule", "event"})


def ci_evidence(repo: Repository, project: Project) -> Iterator[Evidence]:
    make = {}
    for _, text in repo.texts("Makefile"):
        make.update(ci.make_targets(text))

    def kinds(command: str) -> set[str]:
        found = ci.command_kinds(command, make)
        target = project.command_target(command)
        if target is not None:
            found |= {"train"} if project.index.first(target, "train") else set()
            found |= {"monitor"} if project.index.first(target, "monitoring") else set()
        return found

    for system, (patterns, _) in ci.SYSTEMS.items():
        for path, text in repo.texts(*patterns):
            try:
                pipeline = ci.read_pipeline(system, path, text)
            except Exception as exc:  # a parser bug must not stop the assessment: report it
                pipeline = ci.Pipeline(system, path, problem=f"internal error: {_first_line(exc)}")
            if pipeline.problem:
                repo.problems.append(
                    f"{path}: not read as {system} configuration: {pipeline.problem}"
                )
                continue
            yield from _pipeline_evidence(pipeline, kinds)


def _pipeline_evidence(
    pipeline: ci.Pipeline, kinds: Callable[[str], set[str]]
) -> Iterator[Evidence]:
    path = pipeline.path
    on = sorted({t.kind for t in pipeline.triggers}, key=ci.TRIGGER_KINDS.index)
    first = min((t.line for t in pipeline.triggers), default=1)
    steps = plural(len(pipeline.steps), "step")
    note = f"{pipeline.system}: {steps}, on {', '.join(on) or 'nothing'}"
    automatic = [s for s in pipeline.steps if s.triggers & AUTOMATIC]
    yield Evidence("ci-runs" if automatic else "ci-config", path, first, note)
    for trigger in pipeline.triggers:
        if trigger.kind == "schedule":
            yield Evidence("ci-schedule", path, trigger.line, trigger.text)
    trained = monitored = None
    for step in pipeline.steps:
        found = kinds(step.command)
        if not step.triggers & AUTOMATIC:
            if "train" in found:
                yield Evidence("pipeline-defined", path, step.line, f"runs by hand: {step.command}")
            continue
        for kind in sorted(found):
            yield Evidence(CI_FACTS[kind], path, step.line, step.command)
        if "train" in found and step.triggers & TRIGGERED:
            on_what = ", ".join(sorted(step.triggers & TRIGGERED))
            yield Evidence("ci-train-triggered", path, step.line, f"{step.command} (on {on_what})")
            trained = trained or step
        if "monitor" in found and step.triggers & TRIGGERED:
            monitored = monitored or step
    if trained and monitored:
        note = f"retrains after the monitoring step at line {monitored.line}: {trained.command}"
        yield Evidence("ci-train-on-signal", path, trained.line, note)


# -- everything -----------------------------------------------------------------------------------

#: file suffixes of data and of trained models (committed to git directly: versioned by hand)
DATA_SUFFIXES = frozenset(".csv .tsv .parquet .feather .arrow .xlsx .xls .jsonl .npy .npz".split())
MODEL_SUFFIXES = frozenset(
    ".pkl .pickle .joblib .h5 .keras .onnx .pt .pth .safetensors .cbm".split()
)


def git_evidence(repo: Repository) -> Iterator[Evidence]:
    git = repo.git
    if git is None:
        return
    untracked = [f for f in repo.files if f not in git.tracked and f.endswith((".py", ".ipynb"))]
    extra = f"; {plural(len(untracked), 'source file')} not committed" if untracked else ""
    if git.commits:
        yield Evidence("git-history", ".", None, f"{plural(git.commits, 'commit')}{extra}")
    else:
        yield Evidence("git-repo", ".", None, f"git repository without commits{extra}")
    lfs = [p for path, text in repo.texts(".gitattributes") for _, p in lfs_patterns(path, text)]
    for rel in repo.files:
        suffix = PurePosixPath(rel).suffix.lower()
        if suffix not in DATA_SUFFIXES | MODEL_SUFFIXES or rel not in git.tracked:
            continue
        if any(fnmatchcase(rel if "/" in p else rel.rsplit("/", 1)[-1], p) for p in lfs):
            continue
        if suffix in DATA_SUFFIXES:
            yield Evidence("data-in-git", rel, None, "data committed to git directly")
        else:
            yield Evidence("model-versioned", rel, None, "model file committed to git")


#: what a file that is not what its name says raises while it is read
UNREADABLE = (ValueError, SyntaxError, configparser.Error, tomllib.TOMLDecodeError)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def collect(repo: Repository) -> Collected:
    """All the evidence a repository holds (problems with single files go to repo.problems)."""
    collected = Collected()
    evidence = collected.evidence
    for patterns, fact, note in PRESENCE:
        evidence += [Evidence(fact, path, None, note) for path in repo.matching(*patterns)]
    for patterns, scan in SCANNERS:
        for path, text in repo.texts(*patterns):
            try:
                evidence.extend(scan(path, text))
            except UNREADABLE as exc:
                repo.problems.append(f"{path}: not read: {_first_line(exc)}")
            except Exception as exc:  # a scanner bug must not stop the assessment: report it
                repo.problems.append(
                    f"{path}: internal error in {scan.__name__}: {_first_line(exc)}"
                )
    scripts: dict[str, EntryPoint] = {}
    for path, text in repo.texts("pyproject.toml", "setup.cfg", "setup.py"):
        try:
            scripts.update((e.name, e) for e in entry_points(path, text))
        except UNREADABLE:
            pass  # already reported by its scanner (setup.py: by the module reader below)
    modules = {}
    for path, text in repo.texts("*.py"):
        facts = module_facts(path, text)
        if facts.problem:
            repo.problems.append(f"{path}: skipped: not valid Python 3 ({facts.problem})")
        modules[path] = facts
    project = Project(ProjectIndex(modules), scripts)
    evidence.extend(python_evidence(modules, project))
    evidence.extend(ci_evidence(repo, project))
    notebook_evidence(repo, collected)
    evidence.extend(git_evidence(repo))
    return collected
