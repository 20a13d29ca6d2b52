"""What ``nbprod lint`` takes from ``[tool.nbprod]`` and its options: which rules run on which file,
with which thresholds, and which paths are skipped. Validated against the rule catalogue.

Keys (top level of ``[tool.nbprod]``; sub-tables of other commands are not lint's business)::

    select = ["ALL"]                 # codes or prefixes ("NB1" = NB1xx, "ALL" = every rule)
    extend-select = []               # added to select
    ignore = []                      # removed from the selection
    exclude = ["scratch/*"]          # globs of paths (relative to the project root) not linted
    per-file-ignores = {"drafts/*" = ["NB2"]}
    [tool.nbprod.rules.NB123]        # a rule's options (thresholds), as the catalogue lists them

Selection works in two layers, the configuration then the command line (``--select`` replaces the
configured ``select``; ``--extend-select`` and ``--ignore`` add to it). Within a layer the most
specific selector wins (``select = ["NB1"]``, ``ignore = ["NB101"]`` drops NB101; with ``NB101``
selected and ``NB1`` ignored, NB101 stays); on a tie, ``ignore`` wins.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from nbprod.config import ConfigError, ProjectConfig, display

LINT_KEYS = ("select", "extend-select", "ignore", "exclude", "per-file-ignores", "rules")
_SELECTOR = re.compile(r"ALL|[A-Z]{1,3}[0-9]{0,4}")


@dataclass(frozen=True)
class Selection:
    """Rule selectors given on the command line (``select`` None: keep the configured one)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class LintSettings:
    """Lint's resolved configuration for the files of one project."""

    root: Path
    source: Path | None  # the pyproject.toml it came from (None: defaults)
    codes: frozenset[str]  # the selected rules
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rule_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def relative(self, path: Path | str) -> str:
        """``path`` relative to the project root (posix), or as given when outside it."""
        absolute = os.path.abspath(path)
        rel = os.path.relpath(absolute, self.root)
        return Path(absolute if rel.startswith("..") else rel).as_posix()

    def excluded(self, path: Path | str) -> bool:
        return any(matches_glob(self.relative(path), g) for g in self.exclude)

    def codes_for(self, path: Path | str) -> frozenset[str]:
        """The rules that run on ``path``: the selection less its per-file ignores."""
        rel = self.relative(path)
        ignored = [
            s for glob, sels in self.per_file_ignores if matches_glob(rel, glob) for s in sels
        ]
        return frozenset(c for c in self.codes if not selected_by(c, ignored))

    def fingerprint(self, codes: Iterable[str]) -> str:
        """A digest of everything in the configuration that changes the findings for ``codes``."""
        codes = sorted(codes)
        options = {c: self.rule_settings[c] for c in codes if c in self.rule_settings}
        blob = json.dumps([codes, options], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def matches_glob(relpath: str, glob: str) -> bool:
    """Like ruff's ``exclude``: an fnmatch glob (``*`` also matches ``/``) matches a path when it
    matches the path relative to the project root, the relative path of a directory above it, or
    the name of the file or of any directory above it. So ``scratch``, ``scratch/*`` and
    ``*.draft.ipynb`` all do what they say."""
    glob = glob.rstrip("/")
    parts = relpath.split("/")
    prefixes = ("/".join(parts[: i + 1]) for i in range(len(parts)))
    return any(fnmatch.fnmatchcase(p, glob) for p in prefixes) or any(
        fnmatch.fnmatchcase(name, glob) for name in parts
    )


def specificity(code: str, selector: str) -> int | None:
    """How specifically ``selector`` names ``code`` (None: it does not; ALL: 0)."""
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else None


def selected_by(code: str, selectors: Iterable[str]) -> bool:
    return any(specificity(code, s) is not None for s in selectors)


def _best(code: str, selectors: Iterable[str]) -> int | None:
    scores = [s for s in (specificity(code, sel) for sel in selectors) if s is not None]
    return max(scores) if scores else None


def apply_layer(
    current: frozenset[str],
    known: Iterable[str],
    select: Iterable[str] | None,
    extend: Iterable[str],
    ignore: Iterable[str],
) -> frozenset[str]:
    """One layer of selection (configuration or command line) on top of ``current``."""
    chosen = set()
    for code in known:
        picked = _best(code, [*(select or ()), *extend])
        dropped = _best(code, ignore)
        base = picked is not None or (select is None and code in current)
        if base and (dropped is None or (picked is not None and picked > dropped)):
            chosen.add(code)
    return frozenset(chosen)


def check_selectors(selectors: Iterable[str], known: Iterable[str], where: str) -> tuple[str, ...]:
    """Validate rule selectors: each a code, a prefix of some code, or ALL."""
    known = list(known)
    out = []
    for selector in selectors:
        if not isinstance(selector, str):
            raise ConfigError(f"{where}: rule selectors must be strings, not {selector!r}")
        selector = selector.strip().upper()
        if not _SELECTOR.fullmatch(selector) or not (
            selector == "ALL" or any(code.startswith(selector) for code in known)
        ):
            raise ConfigError(f"{where}: unknown rule or prefix '{selector}'")
        out.append(selector)
    return tuple(out)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return value


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return default is None or isinstance(value, type(default))


def _rule_settings(table: Any, catalogue: Mapping[str, Any], where: str) -> dict[str, dict]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.nbprod.rules] must be a table of rule codes")
    out = {}
    for code, options in table.items():
        if code not in catalogue:
            raise ConfigError(f"{where}: [tool.nbprod.rules.{code}]: unknown rule '{code}'")
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: [tool.nbprod.rules.{code}] must be a table")
        known = catalogue[code].options
        for key, value in options.items():
            if key not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise ConfigError(
                    f"{where}: [tool.nbprod.rules.{code}]: unknown option '{key}' "
                    f"(options: {listed})"
                )
            if not _same_type(value, known[key]):
                raise ConfigError(
                    f"{where}: [tool.nbprod.rules.{code}]: '{key}' must be "
                    f"{type(known[key]).__name__}, not {value!r}"
                )
        out[code] = dict(options)
    return out


def lint_settings(
    project: ProjectConfig, catalogue: Mapping[str, Any], cli: Selection = Selection()
) -> LintSettings:
    """Lint's settings for one project, from its ``[tool.nbprod]`` table and the command line."""
    where = display(project.path)
    table = project.table
    for key, value in table.items():
        if key not in LINT_KEYS and not isinstance(value, dict):
            raise ConfigError(
                f"{where}: [tool.nbprod]: unknown key '{key}' (lint reads: {', '.join(LINT_KEYS)})"
            )
    known = sorted(catalogue)

    def selectors(key: str) -> tuple[str, ...]:
        return check_selectors(_strings(table.get(key, []), f"{where}: '{key}'"), known, where)

    select = selectors("select") if "select" in table else ("ALL",)
    codes = apply_layer(frozenset(), known, select, selectors("extend-select"), selectors("ignore"))
    codes = apply_layer(
        codes,
        known,
        None if cli.select is None else check_selectors(cli.select, known, "--select"),
        check_selectors(cli.extend_select, known, "--extend-select"),
        check_selectors(cli.ignore, known, "--ignore"),
    )
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
    per_file = tuple(
        (glob, check_selectors(_strings(sels, f"{where}: per-file-ignores '{glob}'"), known, where))
        for glob, sels in pfi.items()
    )
    return LintSettings(
        root=project.root,
        source=project.path,
        codes=codes,
        exclude=tuple(_strings(table.get("exclude", []), f"{where}: 'exclude'")),
        per_file_ignores=per_file,
        rule_settings=_rule_settings(table.get("rules", {}), catalogue, where),
    )
