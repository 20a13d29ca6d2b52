"""CI configurations read as data: which commands run, on which triggers, at which line.

One parser per CI system (:data:`SYSTEMS`: GitHub Actions, GitLab CI, Azure Pipelines, Jenkins)
turns a configuration file into a :class:`Pipeline` of :class:`Step` (one shell command line, or
one action/task) and :class:`Trigger` (push, pull_request, schedule, manual, event).
:func:`command_kinds` says what a command does (test, lint, pre-commit, train, deploy, monitor,
track)
from the patterns in :data:`KINDS`; ``make TARGET`` is followed into the Makefile's recipe.
YAML is composed, not loaded, so every value keeps its line (and ``on:`` stays a string).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping

TRIGGER_KINDS = ("push", "pull_request", "schedule", "event", "manual")
#: GitHub Actions event -> trigger kind (any other event is "event")
GITHUB_EVENTS = {
    "push": "push",
    "pull_request": "pull_request",
    "pull_request_target": "pull_request",
    "merge_group": "pull_request",
    "schedule": "schedule",
    "workflow_dispatch": "manual",
}
#: what a command does -> regular expressions searched in one command line
# fmt: off
KINDS: dict[str, tuple[str, ...]] = {
    "test": (
        r"\bpy\.?test\b", r"-m\s+(pytest|unittest)\b", r"^(tox|nox)\b", r"\s(tox|nox)(\s|$)",
        r"\b(hatch|poetry|pdm|uv|pixi)\s+run\s+(test|tests)\b",
    ),
    "lint": (
        r"\bruff\b", r"\bflake8\b", r"\bpylint\b", r"\bblack\b.*--check", r"\bisort\b.*--check",
        r"\bmypy\b", r"\bnbqa\b", r"\bnbprod\s+lint\b", r"\bpynblint\b", r"\bpre-commit\s+run\b",
        r"pre-commit/action", r"pre-commit-ci/lite-action", r"ruff-action",
    ),
    "pre-commit": (r"\bpre-commit\s+run\b", r"pre-commit/action", r"pre-commit-ci/lite-action"),
    "train": (
        r"\bdvc\s+(repro|exp\s+run)\b", r"\bpapermill\b", r"\bnbprod\s+(run|batch)\b",
        r"\bmlflow\s+run\b", r"\btrain(_\w+|ing)?\b",
    ),
    "deploy": (
        r"\bdocker\s+push\b", r"build-push-action.*\bpush=true", r"\bkubectl\s+(apply|rollout)\b",
        r"\bhelm\s+(upgrade|install)\b", r"\bmlflow\s+(models|deployments)\s+\w", r"\bsagemaker\b",
        r"\baz\s+ml\s+online-", r"\bgcloud\s+(ai\s+endpoints|run\s+deploy)\b",
        r"\bbentoml\s+(deploy|containerize)\b", r"\b(serverless|fly|flyctl)\s+deploy\b",
        r"webapps-deploy", r"ecs-deploy", r"deploy-cloudrun",
        r"^(?!uses:|task:)(?!.*(gh-deploy|pages)).*\bdeploy",  # ./deploy.sh, make deploy
    ),
    "monitor": (r"monitor", r"drift", r"\bevidently\b", r"\bnannyml\b", r"\bwhylogs\b"),
    "track": (
        r"\bnbprod\s+(run|batch)\b.*\s--mlflow\b", r"\bmlflow\s+run\b", r"\bdvc\s+exp\s+run\b",
    ),
}
# fmt: on


@lru_cache(maxsize=1)
def _kinds() -> dict[str, list[re.Pattern]]:
    return {kind: [re.compile(p) for p in patterns] for kind, patterns in KINDS.items()}


_MAKE = re.compile(r"\bmake\b(?:\s+-\S+)*(?:\s+(\w[\w.-]*))?")
#: a command that only installs packages (``pip install -r requirements-training.txt``)
_CHAIN = re.compile(r"\s*(?:&&|\|\||;)\s*")
_INSTALL = re.compile(
    r"^(sudo\s+)?(python\S*\s+-m\s+)?(pip\d?|conda|mamba|micromamba|uv\s+pip|uv|poetry|pdm|"
    r"pipenv|apt-get|apt|brew)\s+(install|add|sync|lock)\b"
)


@dataclass(frozen=True)
class Trigger:
    kind: str  # one of TRIGGER_KINDS
    line: int
    text: str  # as written, e.g. ``schedule: 0 3 * * 1``


@dataclass(frozen=True)
class Step:
    line: int
    command: str  # one shell command line, or ``uses: owner/action@v1 push=true``
    triggers: frozenset[str]


@dataclass(frozen=True)
class Pipeline:
    system: str
    path: str
    steps: tuple[Step, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    problem: str | None = None  # why the file could not be read as this system's configuration


def command_kinds(
    command: str, make: Mapping[str, list[tuple[int, str]]] | None = None
) -> set[str]:
    """What one command line does, following ``make TARGET`` into the Makefile's recipe.

    A chain (``pip install -e . && python -m pytest``) does what each of its parts does."""
    parts = _CHAIN.split(command)
    if len(parts) > 1:
        return set().union(*(command_kinds(part, make) for part in parts))
    text = command.strip()
    if not text or text.startswith("#") or _INSTALL.match(text):
        return set()
    kinds = {kind for kind, patterns in _kinds().items() if any(p.search(text) for p in patterns)}
    match = _MAKE.search(text)
    if match and make:
        target = match.group(1) or next(iter(make), None)
        seen = {target}
        queue = [target]
        while queue:
            for _, recipe in make.get(queue.pop(), ()):
                kinds |= command_kinds(recipe)
                inner = _MAKE.search(recipe)
                if inner and inner.group(1) and inner.group(1) not in seen:
                    seen.add(inner.group(1))
                    queue.append(inner.group(1))
    return kinds


def make_targets(text: str) -> dict[str, list[tuple[int, str]]]:
    """A Makefile's rules: target -> its recipe lines with their line numbers, in file order.
    Prerequisites come first, as ``make PREREQUISITE`` lines (so they are followed too)."""
    targets: dict[str, list[tuple[int, str]]] = {}
    current: list[list[tuple[int, str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        rule = re.match(r"^([\w.\-/ ]+):(?!=)(.*)", line)
        if line.startswith("\t") and current:
            for recipe in current:
                recipe.append((number, line.strip().lstrip("@-+")))
        elif rule and not line.startswith("."):
            current = [targets.setdefault(name, []) for name in rule.group(1).split()]
            prerequisites = rule.group(2).split(";")[0].split("#")[0].split()
            for recipe in current:
                recipe += [(number, f"make {p}") for p in prerequisites]
        elif line.strip() and not line.startswith("#"):
            current = []
    return targets


# -- YAML with line numbers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    """A YAML scalar and the 1-based line of its first content line."""

    value: str
    line: int
    literal: bool = False  # ``|`` block: one content line per file line

    def lines(self) -> Iterator[tuple[int, str]]:
        """The command lines of a ``run:``/``script:`` value, with their file lines."""
        if not self.literal:
            yield self.line, " ".join(self.value.split("\n"))
            return
        for offset, text in enumerate(self.value.split("\n")):
            if text.strip():
                yield self.line + offset, text.strip()


def compose_yaml(text: str) -> Any:
    """The YAML document as dicts, lists and :class:`Scalar` values (``<<`` merges applied).

    Raises ``ValueError`` with a one-line reason on invalid YAML."""
    from nbprod.yamlnodes import compose

    node = compose(text)  # YamlSyntaxError is a ValueError with that one-line reason
    return _convert(node) if node is not None else None


def _convert(node: Any) -> Any:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        literal = node.style == "|"
        return Scalar(str(node.value), node.start_mark.line + 1 + literal, literal)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(n) for n in node.value]
    out: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key, value in node.value:
        if key.value == "<<":
            for source in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                converted = _convert(source)
                if isinstance(converted, dict):
                    merged.update(converted)
        else:
            out[str(key.value)] = _convert(value)
    return {**merged, **out}


def _scalars(value: Any) -> Iterator[Scalar]:
    """Every scalar in a value, depth first."""
    if isinstance(value, Scalar):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)


def _keys(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of every mapping in a value, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _text(value: Any) -> str:
    return value.value if isinstance(value, Scalar) else ""


def _line(value: Any, default: int = 1) -> int:
    return next((s.line for s in _scalars(value)), default)


# -- one parser per CI system ---------------------------------------------------------------------


def github_actions(path: str, text: str) -> Pipeline:
    doc = compose_yaml(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
        return Pipeline("GitHub Actions", path, problem="no 'jobs' mapping")
    on = doc.get("on")
    events: list[tuple[str, Any]] = []
    if isinstance(on, Scalar):
        events = [(on.value, on)]
    elif isinstance(on, list):
        events = [(s.value, s) for s in on if isinstance(s, Scalar)]
    elif isinstance(on, dict):
        events = list(on.items())
    triggers = []
    for event, value in events:
        kind = GITHUB_EVENTS.get(event, "event")
        crons = [s for k, s in _keys(value) if k == "cron" and isinstance(s, Scalar)]
        if kind == "schedule" and crons:
            triggers += [Trigger(kind, c.line, f"schedule: {c.value}") for c in crons]
        else:
            triggers.append(Trigger(kind, _line(value, _line(on)), event))
    kinds = frozenset(t.kind for t in triggers)
    steps = []
    for spec in doc["jobs"].values():
        if not isinstance(spec, dict):
            continue
        if isinstance(spec.get("uses"), Scalar):  # a reusable workflow
            steps.append(Step(spec["uses"].line, f"uses: {spec['uses'].value}", kinds))
        for step in spec.get("steps") or ():
            if not isinstance(step, dict):
                continue
            if isinstance(step.get("run"), Scalar):
                steps += [Step(n, cmd, kinds) for n, cmd in step["run"].lines()]
            if isinstance(step.get("uses"), Scalar):
                args = step.get("with") if isinstance(step.get("with"), dict) else {}
                extra = " ".join(f"{k}={_text(v)}" for k, v in args.items() if _text(v))
                command = f"uses: {step['uses'].value} {extra}".strip()
                steps.append(Step(step["uses"].line, command, kinds))
    return Pipeline("GitHub Actions", path, tuple(steps), tuple(triggers))


GITLAB_RESERVED = frozenset(
    "stages variables default include workflow image services cache before_script after_script "
    "pages".split()
)


def gitlab_ci(path: str, text: str) -> Pipeline:
    doc = compose_yaml(text)
    if not isinstance(doc, dict):
        return Pipeline("GitLab CI", path, problem="not a mapping of jobs")
    steps, triggers = [], []
    jobs = [(k, v) for k, v in doc.items() if isinstance(v, dict) and k not in GITLAB_RESERVED]
    if isinstance(doc.get("default"), dict):
        jobs.insert(0, ("default", doc["default"]))
    for job, spec in jobs:
        kinds = {"push", "pull_request"}
        for key in ("rules", "only", "when"):
            for scalar in _scalars(spec.get(key)):
                value = scalar.value
                if "schedule" in value:
                    kinds = {"schedule"}
                    triggers.append(Trigger("schedule", scalar.line, f"{job}: {value}"))
                elif value == "manual":
                    kinds = {"manual"}
                elif re.search(r"\b(trigger|triggers|pipeline|pipelines|api)\b", value):
                    kinds = {"event"}
                    triggers.append(Trigger("event", scalar.line, f"{job}: {value}"))
        for key in ("before_script", "script", "after_script"):
            for scalar in _scalars(spec.get(key)):
                steps += [Step(n, cmd, frozenset(kinds)) for n, cmd in scalar.lines()]
    on_push = next((s for s in steps if "push" in s.triggers), None)
    if on_push is not None:
        triggers.insert(0, Trigger("push", on_push.line, "push (every pipeline)"))
    return Pipeline("GitLab CI", path, tuple(steps), tuple(triggers))


def azure_pipelines(path: str, text: str) -> Pipeline:
    doc = compose_yaml(text)
    if not isinstance(doc, dict):
        return Pipeline("Azure Pipelines", path, problem="not a mapping")
    triggers = []
    trigger = doc.get("trigger")
    if _text(trigger) != "none":
        triggers.append(Trigger("push", _line(trigger, 1), "trigger"))
    if "pr" in doc and _text(doc["pr"]) != "none":
        triggers.append(Trigger("pull_request", _line(doc["pr"]), "pr"))
    for key, value in _keys(doc.get("schedules")):
        if key == "cron" and isinstance(value, Scalar):
            triggers.append(Trigger("schedule", value.line, f"schedule: {value.value}"))
    resources = doc.get("resources") if isinstance(doc.get("resources"), dict) else {}
    for key, value in _keys(resources.get("pipelines")):
        if key == "trigger":
            triggers.append(Trigger("event", _line(value), "pipeline completion"))
    kinds = frozenset(t.kind for t in triggers)
    steps = []
    for key, value in _keys({k: v for k, v in doc.items() if k != "schedules"}):
        if key in ("script", "bash", "pwsh", "powershell") and isinstance(value, Scalar):
            steps += [Step(n, cmd, kinds) for n, cmd in value.lines()]
        elif key == "task" and isinstance(value, Scalar):
            steps.append(Step(value.line, f"task: {value.value}", kinds))
    return Pipeline(
        "Azure Pipelines", path, tuple(sorted(steps, key=lambda s: s.line)), tuple(triggers)
    )


_JENKINS_STEP = re.compile(
    r"\b(?:sh|bat|powershell)\s*\(?\s*(?:script\s*:\s*)?('''|\"\"\"|'|\")(.*?)\1", re.DOTALL
)
_JENKINS_TRIGGERS = (
    ("schedule", re.compile(r"\b(cron|pollSCM)\s*\(\s*['\"]([^'\"]*)")),
    ("event", re.compile(r"\b(upstream)\s*\(")),
)


def jenkinsfile(path: str, text: str) -> Pipeline:
    triggers = [Trigger("push", 1, "SCM change (webhook)")]
    for kind, pattern in _JENKINS_TRIGGERS:
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            what = m.group(1) + (f": {m.group(2)}" if m.lastindex and m.lastindex > 1 else "")
            triggers.append(Trigger(kind, line, what))
    kinds = frozenset(t.kind for t in triggers)
    steps = []
    for m in _JENKINS_STEP.finditer(text):
        first = text.count("\n", 0, m.start(2)) + 1
        for offset, cmd in enumerate(m.group(2).split("\n")):
            if cmd.strip():
                steps.append(Step(first + offset, cmd.strip(), kinds))
    return Pipeline("Jenkins", path, tuple(steps), tuple(triggers))


#: CI system: the files it reads (see :func:`nbprod.assess.repository.matches`) and its parser
SYSTEMS: dict[str, tuple[tuple[str, ...], Callable[[str, str], Pipeline]]] = {
    "GitHub Actions": ((".github/workflows/*.yml", ".github/workflows/*.yaml"), github_actions),
    "GitLab CI": ((".gitlab-ci.yml", ".gitlab/ci/*.yml", ".gitlab/ci/*.yaml"), gitlab_ci),
    "Azure Pipelines": (
        (
            "azure-pipelines.yml",
            "azure-pipelines.yaml",
            ".azure-pipelines/*.yml",
            ".azuredevops/*.yml",
            "*.azure-pipelines.yml",
        ),
        azure_pipelines,
    ),
    "Jenkins": (("Jenkinsfile", "Jenkinsfile.*", "*.Jenkinsfile"), jenkinsfile),
}


def read_pipeline(system: str, path: str, text: str) -> Pipeline:
    """Parse one CI file; a file that cannot be read becomes a Pipeline with a ``problem``."""
    try:
        return SYSTEMS[system][1](path, text)
    except ValueError as exc:
        return Pipeline(system, path, problem=str(exc))
