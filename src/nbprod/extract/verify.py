"""Verification: the extracted package run with plain ``python`` against the notebook's values.

:func:`run_package` executes ``python -m PKG --values-json FILE [--param ...]`` in a subprocess,
in the notebook's directory (where its relative paths point), with the project directory on
``PYTHONPATH``; :func:`compare_values` pairs its summaries with the notebook's (from
:mod:`nbprod.extract.goldens`) and :func:`table` prints the comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbprod.extract.values import MATCHING, compare, describe


@dataclass(frozen=True)
class PackageRun:
    values: Mapping[str, Any]
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class Row:
    name: str
    notebook: str
    package: str
    status: str
    note: str

    @property
    def ok(self) -> bool:
        return self.status in MATCHING


def option_flag(name: str) -> str:
    """The command-line option of parameter ``name`` in the generated ``__main__`` (both the
    renderer and the verifier use this)."""
    flag = name.replace("_", "-").strip("-")
    return (
        f"param-{flag}"
        if flag in {"figures-dir", "values-json", "verbose", "help", "h", "v"}
        else flag
    )


def cli_arguments(parameters: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for name, value in parameters.items():
        flag = option_flag(name)
        if isinstance(value, bool):
            out.append(f"--{flag}" if value else f"--no-{flag}")
        elif isinstance(value, (int, float, str)):
            out += [f"--{flag}", str(value)]
        else:
            out += [f"--{flag}", repr(value)]
    return out


def run_package(
    project: Path,
    package: str,
    workdir: Path,
    parameters: Mapping[str, Any] | None = None,
    timeout: int = 1800,
) -> PackageRun:
    """Run the package's command line with plain ``python``; return its value summaries."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(project.resolve()), env.get("PYTHONPATH")])
    )
    env.setdefault("MPLBACKEND", "Agg")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nbprod-verify-") as tmp:
        out = Path(tmp) / "values.json"
        argv = [
            sys.executable,
            "-m",
            package,
            "--values-json",
            str(out),
            *cli_arguments(parameters or {}),
        ]
        try:
            done = subprocess.run(
                argv,
                check=False,
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return PackageRun({}, time.perf_counter() - start, f"timed out after {timeout} s")
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            return PackageRun({}, seconds, lines[-1] if lines else f"exit status {done.returncode}")
        return PackageRun(json.loads(out.read_text(encoding="utf-8")), seconds)


def compare_values(
    notebook: Mapping[str, Any],
    package: Mapping[str, Any],
    nondeterministic: frozenset[str] = frozenset(),
) -> list[Row]:
    """One row per value the notebook ended with (modules and functions excluded)."""
    rows = []
    for name in notebook:
        expected, actual = notebook[name], package.get(name)
        if expected is None:
            continue
        status, note = compare(expected, actual, name not in nondeterministic)
        rows.append(Row(name, describe(expected), describe(actual), status, note))
    return rows


def table(rows: list[Row]) -> str:
    """A plain-text table: name, notebook, package, status."""
    header = Row("value", "notebook", "package", "status", "")
    widths = [
        max(len(getattr(r, f)) for r in [header, *rows]) for f in ("name", "notebook", "package")
    ]
    lines = []
    for r in [header, *rows]:
        status = r.status + (f" ({r.note})" if r.note else "")
        cells = [
            r.name.ljust(widths[0]),
            r.notebook.ljust(widths[1]),
            r.package.ljust(widths[2]),
            status,
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
