"""Helpers for the rule tests: materialise catalogue examples as real files and run checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from nbprod.lint import examples
from nbprod.lint.registry import CHECKS, Context, Finding, load_rules
from nbprod.notebook import Notebook, load_notebook

RULES = load_rules()
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("NBPROD_UPDATE_SNAPSHOTS") == "1"


def materialise(spec: Mapping[str, Any], directory: Path) -> Notebook:
    """Write an example spec as a real .ipynb file and load it with the notebook model."""
    return load_notebook(examples.write(spec, directory))


def run_checks(
    nb: Notebook, codes: Iterable[str] | None = None, settings: Mapping | None = None
) -> list[Finding]:
    """Every finding of the registered checks (all, or ``codes``) on ``nb``."""
    ctx = Context(settings or {})
    return [f for code in sorted(codes or CHECKS) for f in CHECKS[code](nb, ctx)]


def cells(*sources: str | dict, **notebook: Any) -> dict[str, Any]:
    """A compact example spec: a str is a code cell with that source."""
    specs = [{"source": s} if isinstance(s, str) else s for s in sources]
    return {"cells": specs, **notebook}


def check_snapshot(name: str, text: str) -> None:
    """Compare ``text`` with ``snapshots/<name>``; NBPROD_UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {name}: run with NBPROD_UPDATE_SNAPSHOTS=1 to write it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (NBPROD_UPDATE_SNAPSHOTS=1)"
