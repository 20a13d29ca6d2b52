"""Helpers for the run tests: real notebooks written to tmp, the real CLI, real kernels."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from nbprod.cli import cli
from tests.conftest import notebook_json, write_notebook

PARAMS = (
    "a = 1  # an int\n"
    "b = 0.05  # seconds to sleep\n"
    "name = 'x'\n"
    "flag = False\n"
    "version = '1.0'\n"
    "items = [1, 2]\n"
)


def params_cell(source: str = PARAMS) -> dict:
    return {"source": source, "metadata": {"tags": ["parameters"]}}


@pytest.fixture
def notebook(tmp_path):
    """``notebook("x = 1", ...)``: a notebook with the PARAMS parameters cell, then these cells."""

    def make(*cells: str | dict, name: str = "nb.ipynb", params: str = PARAMS, **meta) -> Path:
        return write_notebook(tmp_path / name, notebook_json(params_cell(params), *cells, **meta))

    return make


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def nbprod(tmp_path, monkeypatch):
    """Run the real CLI in this process (cwd = tmp_path, so the store is tmp_path/.nbprod)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Result:
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


def store_rows(root: Path, sql: str = "SELECT * FROM runs ORDER BY rowid") -> list[dict]:
    with sqlite3.connect(root / "runs.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(sql)]


def live_rows(root: Path) -> list[dict]:
    """The runs of a store another process is writing ([] until its tables exist)."""
    if not (root / "runs.db").exists():
        return []
    try:
        return store_rows(root)
    except sqlite3.OperationalError:  # created, but not yet its tables
        return []


def spawn(*args: str, cwd: Path) -> subprocess.Popen:
    """A real ``nbprod`` process (for signals), marked so that :func:`leftovers` finds the
    processes it starts (kernels, the kernel template process) by their inherited environment."""
    env = {**os.environ, "NBPROD_TEST_MARK": uuid.uuid4().hex}
    process = subprocess.Popen(
        [sys.executable, "-m", "nbprod", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.mark = env["NBPROD_TEST_MARK"]  # type: ignore[attr-defined]
    return process


def leftovers(process: subprocess.Popen) -> list[int]:
    """Live processes other than ``process`` that inherited its environment mark."""
    mark = f"NBPROD_TEST_MARK={process.mark}".encode()  # type: ignore[attr-defined]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == process.pid:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
