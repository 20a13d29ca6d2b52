"""Helpers for the ``nbprod lint`` tests: run the real CLI, in this process or as the installed
script, and read its output. Fixture notebooks: ``tests/fixtures/lint/`` (see its README)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from nbprod.cli import cli

LINT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lint"


@dataclass
class Result:
    code: int
    out: str
    err: str


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps stderr apart by default


def lint(*args: str) -> Result:
    """``nbprod lint ARGS`` through click, in this process."""
    result = _runner().invoke(cli, ["lint", *args], catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def nbprod_script() -> str:
    """The installed ``nbprod`` console script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("nbprod")
    return str(beside) if beside.exists() else shutil.which("nbprod") or "nbprod"


def lint_process(*args: str, cwd: Path | None = None) -> Result:
    """``nbprod lint ARGS`` as a real process of the installed script."""
    proc = subprocess.run(
        [nbprod_script(), "lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


_DIAGNOSTIC = re.compile(r"^(.*?: NB\d{3}) ")


def locations(out: str) -> list[str]:
    """The ``PATH:cell N:LINE:COL: CODE`` part of each diagnostic line (messages dropped)."""
    return [m.group(1) for m in map(_DIAGNOSTIC.match, out.splitlines()) if m]
