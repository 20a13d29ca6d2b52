"""Fixture repositories for ``nbprod assess``: real directories with real git history, written
from compact specs (relative path -> text, or a notebook dict from ``notebook_json``)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any, Mapping

import pytest
from click.testing import CliRunner

from nbprod.cli import cli
from tests.conftest import write_notebook

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fixture",
    "GIT_AUTHOR_EMAIL": "fixture@example.com",
    "GIT_COMMITTER_NAME": "Fixture",
    "GIT_COMMITTER_EMAIL": "fixture@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
Spec = Mapping[str, "str | dict | None"]


def write_files(root: Path, files: Spec) -> Path:
    """Write every file of ``files`` under ``root`` (None: leave the file out)."""
    for rel, content in files.items():
        if content is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            write_notebook(path, content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def build_repo(root: Path, files: Spec, commits: int = 1) -> Path:
    """A git repository holding ``files`` in ``commits`` commits (0: ``git init`` only)."""
    write_files(root, files)
    git(root, "init", "-q", "-b", "main")
    for n in range(commits):
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", f"commit {n + 1}")
    return root


def at(files: Spec, path: str, needle: str) -> str:
    """``PATH:LINE`` of the first line of ``files[path]`` (as written) that contains ``needle``."""
    text = textwrap.dedent(files[path]).lstrip("\n")
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return f"{path}:{number}"
    raise AssertionError(f"{needle!r} not in {path}")


def run_assess(*args: str) -> Any:
    """``nbprod assess ARGS`` in this process: the click result (stdout and stderr apart)."""
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()  # click >= 8.2 keeps stderr apart by default
    return runner.invoke(cli, ["assess", *args], catch_exceptions=False)


def assess_json(root: Path, *args: str) -> dict[str, Any]:
    result = run_assess(str(root), "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def statuses(data: Mapping[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in data["criteria"]}


def evidence(data: Mapping[str, Any], criterion: str) -> list[str]:
    """``WHERE  NOTE`` of each piece of evidence of one criterion."""
    (found,) = [c for c in data["criteria"] if c["id"] == criterion]
    out = []
    for e in found["evidence"]:
        where = e["path"] + (f":cell {e['cell']}" if e["cell"] is not None else "")
        where += f":{e['line']}" if e["line"] is not None else ""
        out.append(f"{where}  {e['note']}")
    return out


@pytest.fixture
def repo(tmp_path):
    """``repo(files, commits=1)`` -> a real git repository under tmp."""

    def make(files: Spec, commits: int = 1, name: str = "repo") -> Path:
        return build_repo(tmp_path / name, files, commits)

    return make
