"""The maturity criteria as data, and what they make of the evidence: statuses, a level, section
scores and a roadmap. Pure: evidence in, :class:`Assessment` out.

Each :class:`Criterion` is PASS when any of its ``passes`` rules holds, PARTIAL when any of its
``partial`` rules does, MISSING otherwise; a rule is a fact or a tuple of facts that must all be
present. The level is the highest Microsoft level whose *gating* criteria (``gate`` <= level) all
PASS. Scores follow the ML Test Score: 1 point per PASS (the practice runs automatically),
0.5 per PARTIAL (it exists, but by hand), summed per section; the overall score is the minimum over
sections, so one strong area cannot hide a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from nbprod.assess.evidence import Evidence, LimitationSummary

PASS, PARTIAL, MISSING = "PASS", "PARTIAL", "MISSING"
POINTS = {PASS: 1.0, PARTIAL: 0.5, MISSING: 0.0}

#: Microsoft's MLOps maturity model: level -> (name, Google's level for it)
LEVELS: dict[int, tuple[str, int]] = {
    0: ("No MLOps", 0),
    1: ("DevOps but no MLOps", 0),
    2: ("Automated Training", 1),
    3: ("Automated Model Deployment", 2),
    4: ("Full MLOps Automated Operations", 2),
}
#: Google's MLOps levels
GOOGLE_LEVELS = {0: "Manual process", 1: "ML pipeline automation", 2: "CI/CD pipeline automation"}
#: section -> title (the four sections of the ML Test Score)
SECTIONS = {
    "data": "Data",
    "model": "Model development",
    "infrastructure": "ML infrastructure",
    "monitoring": "Monitoring",
}
#: the nbprod commands a next step names: notebooks' static checks, notebook -> package with a CLI,
#: parameters and tests, parameterised runs recorded in a run store, check-only pre-commit hooks
COMMANDS = {
    "lint": "nbprod lint",
    "extract": "nbprod extract",
    "run": "nbprod run",
    "hooks": "nbprod's pre-commit hooks",
}

#: every fact a criterion reads -> what it means (the README's criteria table is built from it)
FACTS: dict[str, str] = {
    "git-history": "a git history",
    "git-repo": "a git repository without commits",
    "ci-runs": "a CI configuration whose steps run on push, pull requests, a schedule or an event",
    "ci-config": "a CI configuration that runs only by hand",
    "tests": "test files (pytest's naming)",
    "ci-test": "a CI step runs them (pytest, unittest, tox, nox)",
    "ci-lint": "a CI step runs a checker (ruff, flake8, pylint, mypy, nbqa, nbprod lint, "
    "pre-commit)",
    "lint-config": "a checker's configuration",
    "pre-commit-config": "a .pre-commit-config.yaml with hooks",
    "ci-pre-commit": "CI runs them",
    "pre-commit-ci": "pre-commit.ci is configured",
    "notebooks-clean": "no notebook has an error-severity `nbprod lint` finding (or none exists)",
    "notebooks-partly-clean": "some notebooks have none",
    "notebook-lint": "the findings of each notebook",
    "readme": "a top-level README",
    "model-card": "a model card",
    "env-pinned": "a lock file, or requirements (requirements*.txt, environment.yml, "
    "pyproject.toml, setup.cfg) all pinned with `==`",
    "env-declared": "requirements or a Dockerfile, not all pinned",
    "training-cli": "an entry point (`__main__` guard, `python -m`, console script) whose imports "
    "reach training code and that takes parameters (argparse, click, typer, fire, hydra, "
    "sys.argv)",
    "training-module": "training code (`.fit`, `.train`, `def train`) in a module",
    "parameterised-notebook": "a notebook that trains and has a `parameters` cell",
    "notebook-training": "training in notebooks",
    "tests-training": "a test imports, directly or not, code that trains or prepares features",
    "ci-train": "a CI step runs training: a training module or its console script, dvc repro, "
    "papermill, nbprod run, mlflow run, a make target that does",
    "pipeline-defined": "a training pipeline that runs by hand (dvc.yaml stages, MLproject, "
    "a make target, a manual CI job)",
    "ci-schedule": "CI schedules",
    "seed-code": "seeds in modules (random, numpy, torch, tensorflow seeds, `random_state=N`, "
    "a `seed` parameter)",
    "seed-notebook": "seeds in notebooks only",
    "tracking-code": "tracking calls in modules (MLflow, W&B, DVCLive, Neptune, Comet, ClearML, "
    "Aim, TensorBoard)",
    "ci-tracking": "a CI step runs tracked training (`nbprod run --mlflow`, `mlflow run`, "
    "`dvc exp run`)",
    "tracking-notebook": "tracking calls in notebooks only",
    "validation-code": "data validation in modules or tests (pandera, Great Expectations, TFDV, "
    "Deepchecks)",
    "validation-notebook": "data validation in notebooks only",
    "registry-code": "registry calls (MLflow `register_model` or `registered_model_name=`, "
    "W&B `link_model`, `push_to_hub`, BentoML, Vertex AI, Azure ML)",
    "registry-config": "a registry declared in files (GTO artifacts.yaml, DVC model artifacts)",
    "registry-notebook": "registry calls in notebooks",
    "model-save-code": "models saved to files from modules (joblib, pickle, torch.save, "
    "log_model)",
    "model-save-notebook": "models saved from notebooks",
    "model-versioned": "model files committed to git",
    "ci-deploy": "a CI step releases (docker push, kubectl, helm, cloud deploy actions, "
    "mlflow models, a deploy script)",
    "serving-code": "serving code (FastAPI, Flask, BentoML, Ray Serve, a serving container)",
    "data-dvc": "data tracked by DVC (*.dvc, dvc.lock)",
    "data-lfs": "Git LFS rules",
    "dvc-init": "DVC initialised",
    "data-in-git": "data files committed to git directly",
    "ci-monitor": "a CI step runs monitoring (a module using Evidently, NannyML, whylogs, "
    "alibi-detect, Prometheus; a drift or monitor command)",
    "monitoring-code": "monitoring code in modules",
    "monitoring-notebook": "monitoring code in notebooks",
    "ci-train-on-signal": "a scheduled or event-triggered CI job runs monitoring, then training",
    "ci-train-triggered": "a scheduled or event-triggered CI job runs training",
}

Rule = tuple  # of fact names, or tuples of fact names that must all hold


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    section: str  # key of SECTIONS
    level: int  # the Microsoft level where the practice belongs
    gate: int | None  # the level that requires it to PASS (None: recommended, scored only)
    passes: Rule
    partial: Rule
    next_missing: str  # the next step when MISSING
    next_partial: str  # the next step when PARTIAL
    source: str  # where the criterion comes from
    command: str | None = None  # the nbprod command that helps (key of COMMANDS)
    shows: tuple[str, ...] = ()  # facts shown as context, whatever the status

    def shown(self, status: str, facts: set[str]) -> tuple[str, ...]:
        """The facts whose evidence proves ``status``: those of the rules that hold, then the
        context facts (``shows``)."""
        rules = {PASS: self.passes, PARTIAL: self.partial, MISSING: ()}[status]
        names: list[str] = []
        for rule in [r for r in rules if _holds(r, facts)] + list(self.shows):
            names += [rule] if isinstance(rule, str) else list(rule)
        return tuple(dict.fromkeys(names))


# fmt: off
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "version-control", "Code under version control", "infrastructure", 1, 1,
        passes=("git-history",), partial=("git-repo",),
        next_missing="put the project under git (`git init`, commit code and notebooks)",
        next_partial="make a first commit",
        source="Microsoft L1: version control for code",
    ),
    Criterion(
        "ci", "CI runs on every change", "infrastructure", 1, 1,
        passes=("ci-runs",), partial=("ci-config",),
        next_missing="add a CI workflow that runs on push and pull requests "
        "(e.g. .github/workflows/ci.yml)",
        next_partial="give the CI configuration steps that run on push or pull requests",
        source="Microsoft L1: automated builds",
    ),
    Criterion(
        "ci-tests", "Tests run automatically", "infrastructure", 1, 1,
        passes=(("tests", "ci-test"),), partial=("tests",),
        shows=("ci-test",),
        next_missing="write tests (pytest) and run them in CI",
        next_partial="run the tests in CI (`python -m pytest`)",
        source="Microsoft L1: automated tests for application code",
    ),
    Criterion(
        "lint", "Static checks run automatically", "infrastructure", 1, None,
        passes=("ci-lint",), partial=("lint-config", "pre-commit-config"),
        next_missing="lint code and notebooks in CI (`ruff check .`, `nbprod lint .`)",
        next_partial="run the configured checks in CI, not only on developers' machines",
        source="DevOps practice behind Microsoft L1's automated builds",
        command="lint",
    ),
    Criterion(
        "pre-commit", "Pre-commit hooks", "infrastructure", 1, None,
        passes=(("pre-commit-config", "ci-pre-commit"), "pre-commit-ci"),
        partial=("pre-commit-config",),
        next_missing="add a .pre-commit-config.yaml with nbprod's hooks",
        next_partial="also run the hooks in CI (`pre-commit run --all-files`): "
        "an uninstalled hook checks nothing",
        source="DevOps practice: checks before code reaches the repository",
        command="hooks",
    ),
    Criterion(
        "notebooks", "Notebooks free of error-severity lint findings", "model", 1, None,
        passes=("notebooks-clean",), partial=("notebooks-partly-clean",),
        shows=("notebook-lint",),
        next_missing="fix the error-severity findings that `nbprod lint` reports",
        next_partial="fix the error-severity findings that `nbprod lint` reports",
        source="nbprod lint's rule catalogue (limitations of notebooks)",
        command="lint",
    ),
    Criterion(
        "documentation", "README and model card", "model", 1, None,
        passes=(("readme", "model-card"),), partial=("readme", "model-card"),
        next_missing="write a README (purpose, data, how to run) and a model card",
        next_partial="add the missing README or model card (intended use, data, metrics, limits)",
        source="Model Cards for Model Reporting (Mitchell et al., 2019)",
    ),
    Criterion(
        "pinned-environment", "Pinned environment", "infrastructure", 2, 2,
        passes=("env-pinned",), partial=("env-declared",),
        next_missing="pin the environment: a lock file, or requirements.txt with == versions",
        next_partial="pin every dependency (`pip-compile`, `uv lock`, `poetry lock`, "
        "`pip freeze > requirements.txt`)",
        source="Microsoft L2: managed environments; ML Test Score: training is reproducible",
    ),
    Criterion(
        "training-modules", "Training code is a module with an entry point and parameters",
        "model", 2, 2,
        passes=("training-cli",), partial=("training-module", "parameterised-notebook"),
        shows=("notebook-training",),
        next_missing="move training out of notebooks into a module with a CLI and parameters",
        next_partial="give the training code an entry point that takes its parameters",
        source="Microsoft L2: experimentation code becomes repeatable scripts/jobs; "
        "Google L1: modularised code",
        command="extract",
    ),
    Criterion(
        "training-tests", "Tests import the feature and training code", "model", 2, 2,
        passes=(("tests-training", "ci-test"),), partial=("tests-training",),
        next_missing="test the feature and training functions: import them in tests",
        next_partial="run these tests in CI",
        source="Microsoft L2: scoring script version controlled with tests; "
        "ML Test Score: model specification code is unit tested",
        command="extract",
    ),
    Criterion(
        "automated-training", "Training runs automatically", "infrastructure", 2, 2,
        passes=("ci-train",),
        partial=("training-cli", "pipeline-defined", "parameterised-notebook"),
        shows=("ci-schedule",),
        next_missing="make training one command and run it in CI or on a schedule",
        next_partial="run the training command in CI or on a schedule",
        source="Microsoft L2: automated model training; Google L1: continuous training",
        command="run",
    ),
    Criterion(
        "seeds", "Randomness is seeded", "model", 2, None,
        passes=("seed-code",), partial=("seed-notebook",),
        next_missing="fix the seeds (`random_state=`, numpy/torch seeds) "
        "or take a --seed parameter",
        next_partial="set the seeds in the training code, not only in notebooks",
        source="ML Test Score: training is reproducible; Microsoft L2: easy to reproduce model",
        command="lint",
    ),
    Criterion(
        "tracking", "Experiments are tracked", "model", 2, 3,
        passes=("tracking-code", "ci-tracking"), partial=("tracking-notebook",),
        next_missing="log parameters and metrics to a tracker (MLflow, W&B, DVCLive) "
        "from the training code, or run notebooks with `nbprod run --mlflow URI`",
        next_partial="log from the training code, not only from notebooks",
        source="Microsoft L2-L3: centralized tracking of model training performance; "
        "Google L1: ML metadata store",
        command="run",
    ),
    Criterion(
        "data-validation", "Input data is validated", "data", 2, None,
        passes=("validation-code",), partial=("validation-notebook",),
        next_missing="check input data against a schema (pandera, Great Expectations) "
        "in the pipeline",
        next_partial="move the data checks from notebooks into the pipeline or its tests",
        source="Google L1: data validation; ML Test Score: feature expectations in a schema",
    ),
    Criterion(
        "model-registry", "Models are registered", "model", 3, 3,
        passes=("registry-code", "registry-config"),
        partial=("registry-notebook", "model-save-code", "model-save-notebook", "model-versioned"),
        next_missing="register trained models (MLflow Model Registry, W&B, Hugging Face, GTO)",
        next_partial="register the saved model with a version instead of files on disk",
        source="Microsoft L2 model management, L3: promote artifacts using registries; "
        "Google L2: model registry",
    ),
    Criterion(
        "deployment", "Model release is automated", "infrastructure", 3, 3,
        passes=("ci-deploy",), partial=("serving-code",),
        next_missing="add a CD job that builds and releases the model (image, endpoint)",
        next_partial="release the serving code from CI (build and push the image, "
        "update the endpoint)",
        source="Microsoft L3: automatic release managed by a CI/CD pipeline; "
        "Google L2: CI/CD pipeline automation",
    ),
    Criterion(
        "data-versioning", "Data is versioned", "data", 3, 3,
        passes=("data-dvc", "data-lfs"), partial=("dvc-init", "data-in-git"),
        next_missing="version the data with DVC (`dvc add`) or Git LFS",
        next_partial="track the data with DVC or Git LFS, not as plain files",
        source="Microsoft L3: full traceability from deployment back to original data",
    ),
    Criterion(
        "monitoring", "The deployed model is monitored", "monitoring", 4, 4,
        passes=("ci-monitor",), partial=("monitoring-code", "monitoring-notebook"),
        next_missing="monitor drift and model quality (Evidently, NannyML, whylogs, Prometheus)",
        next_partial="run the monitoring automatically, on a schedule",
        source="Microsoft L4: verbose, centralized metrics from the deployed model; "
        "ML Test Score: monitoring tests",
    ),
    Criterion(
        "retraining-trigger", "Retraining is triggered by monitoring", "monitoring", 4, 4,
        passes=("ci-train-on-signal",), partial=("ci-train-triggered",),
        shows=("ci-schedule",),
        next_missing="retrain from a scheduled or event-driven job that checks drift first",
        next_partial="let a monitoring step in the triggered job decide the retraining",
        source="Microsoft L4: retraining triggered automatically by production metrics",
        command="run",
    ),
)
# fmt: on


@dataclass(frozen=True)
class Result:
    criterion: Criterion
    status: str
    evidence: tuple[Evidence, ...]

    @property
    def points(self) -> float:
        return POINTS[self.status]

    @property
    def next_step(self) -> str | None:
        c = self.criterion
        return {PASS: None, PARTIAL: c.next_partial, MISSING: c.next_missing}[self.status]


@dataclass(frozen=True)
class SectionScore:
    section: str
    score: float
    maximum: int


@dataclass(frozen=True)
class Assessment:
    root: str
    level: int
    results: tuple[Result, ...]
    sections: tuple[SectionScore, ...]
    roadmap: tuple[Result, ...]  # what blocks the next level, in order
    recommended: tuple[Result, ...]  # not required for the next level, but part of it
    notebooks: int = 0
    limitations: Mapping[str, LimitationSummary] | None = None
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return LEVELS[self.level][0]

    @property
    def google_level(self) -> int:
        return LEVELS[self.level][1]

    @property
    def overall(self) -> float:
        """The ML Test Score: the minimum of the section scores."""
        return min(s.score for s in self.sections)

    @property
    def next_level(self) -> int | None:
        return self.level + 1 if self.level < max(LEVELS) else None


def _holds(rule: str | tuple[str, ...], facts: set[str]) -> bool:
    return rule in facts if isinstance(rule, str) else all(f in facts for f in rule)


def status(criterion: Criterion, facts: set[str]) -> str:
    if any(_holds(r, facts) for r in criterion.passes):
        return PASS
    if any(_holds(r, facts) for r in criterion.partial):
        return PARTIAL
    return MISSING


def assess(
    root: str,
    evidence: Iterable[Evidence],
    notebooks: int = 0,
    limitations: Mapping[str, LimitationSummary] | None = None,
    problems: Iterable[str] = (),
) -> Assessment:
    """Statuses, level, section scores and roadmap from the evidence."""
    evidence = list(evidence)
    facts = {e.fact for e in evidence}
    results = []
    for c in CRITERIA:
        found = status(c, facts)
        order = {fact: i for i, fact in enumerate(c.shown(found, facts))}
        shown = sorted((e for e in evidence if e.fact in order), key=lambda e: order[e.fact])
        seen: set[tuple] = set()
        kept = []
        for e in shown:  # one line per place: a PASS fact hides the PARTIAL one at the same spot
            if (e.path, e.cell, e.line, e.note) not in seen:
                seen.add((e.path, e.cell, e.line, e.note))
                kept.append(e)
        results.append(Result(c, found, tuple(kept)))
    level = 0
    for n in sorted(LEVELS)[1:]:
        gating = [r for r in results if r.criterion.gate is not None and r.criterion.gate <= n]
        if any(r.status != PASS for r in gating):
            break
        level = n
    sections = tuple(
        SectionScore(
            key,
            sum(r.points for r in results if r.criterion.section == key),
            sum(1 for r in results if r.criterion.section == key),
        )
        for key in SECTIONS
        if any(r.criterion.section == key for r in results)
    )
    target = level + 1
    todo = [r for r in results if r.status != PASS]
    roadmap = [r for r in todo if r.criterion.gate is not None and r.criterion.gate <= target]
    recommended = [r for r in todo if r.criterion.gate is None and r.criterion.level <= target]
    return Assessment(
        root=root,
        level=level,
        results=tuple(results),
        sections=sections,
        roadmap=tuple(sorted(roadmap, key=lambda r: r.criterion.gate or 0)),
        recommended=tuple(recommended),
        notebooks=notebooks,
        limitations=dict(limitations or {}),
        problems=tuple(problems),
    )
