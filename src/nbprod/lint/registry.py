"""The rule catalogue (data, one TOML file per rule in top-level ``rules/``) and the check registry.

A rule file says *what* a rule is: code, name, limitation, severity, what it checks, why it
matters, a bad and a good example notebook. A check function says *how* it is found, and is
registered under the rule's code with :func:`check`. ``load_rules()`` pairs the two; the engine,
``nbprod rule NB123`` and the README's rule table all read the same catalogue.

Codes are grouped by limitation, ruff style::

    NB1xx reproducibility     NB2xx version control   NB3xx code modularity  NB4xx debugging
    NB5xx security            NB6xx performance       NB7xx scalability      NB8xx pipeline readiness
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

LIMITATIONS = {
    "reproducibility": 1,
    "version-control": 2,
    "code-modularity": 3,
    "debugging": 4,
    "security": 5,
    "performance": 6,
    "scalability": 7,
    "pipeline-readiness": 8,
}
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Fix:
    """A safe, automatic fix: ``apply`` edits the notebook's JSON dict (nbformat 4 shape) in place.

    Only the cells it touches change; ids, metadata and everything else are left as they are."""

    description: str
    apply: Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Finding:
    """What a check reports. ``cell`` is the 1-based cell number (None: the whole notebook)."""

    code: str
    message: str
    cell: int | None = None
    line: int = 1
    column: int = 1
    fix: Fix | None = None


@dataclass(frozen=True)
class Context:
    """What a check may consult besides the notebook: thresholds and options from config."""

    settings: Mapping[str, Any] = field(default_factory=dict)

    def setting(self, code: str, key: str, default: Any) -> Any:
        """``[tool.nbprod.rules.NB123] key = ...`` or the rule's documented default."""
        return self.settings.get(code, {}).get(key, default)


CheckFn = Callable[["Notebook", Context], Iterable[Finding]]
CHECKS: dict[str, CheckFn] = {}


def check(code: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the implementation of rule ``code``."""

    def register(fn: CheckFn) -> CheckFn:
        if code in CHECKS:
            raise ValueError(f"two checks registered for {code}")
        CHECKS[code] = fn
        return fn

    return register


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    limitation: str
    severity: str
    summary: str  # what it checks, one line
    why: str  # why it matters
    bad: Mapping[str, Any]  # example notebook that triggers the rule
    good: Mapping[str, Any]  # example notebook that does not
    fixable: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)  # thresholds and their defaults
    file: Path | None = None


def rules_dir() -> Path:
    """The catalogue: packaged as ``nbprod/_rules`` in a wheel, top-level ``rules/`` in a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_rules"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "rules"


@lru_cache(maxsize=1)
def load_rules() -> dict[str, Rule]:
    """All rules by code, in code order, validated against the registered checks."""
    import nbprod.lint.checks  # noqa: F401 - registers every check

    return load_catalogue()


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Rule]:
    """All rules by code, read from the TOML files only: no check (hence no notebook model) is
    imported, so a cached ``nbprod lint`` can validate its config and describe rules quickly."""
    rules: dict[str, Rule] = {}
    for path in sorted(rules_dir().glob("NB*.toml")):
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        rule = Rule(file=path, **raw)
        if rule.limitation not in LIMITATIONS or rule.severity not in SEVERITIES:
            raise ValueError(f"{path}: bad limitation or severity")
        if rule.code != path.stem.split("-")[0]:
            raise ValueError(f"{path}: code {rule.code} does not match the file name")
        rules[rule.code] = rule
    return rules


def catalogue_codes() -> list[str]:
    """The catalogue's codes from its file names alone (``NB123-name.toml``; ``load_catalogue``
    checks they agree): a cached lint run validates a selection without parsing any rule."""
    return sorted(path.stem.split("-")[0] for path in rules_dir().glob("NB*.toml"))
