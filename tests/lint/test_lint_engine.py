"""The engine: crashing checks, the process pool, discovery, and files left untouched."""

from __future__ import annotations

import os
import shutil

import pytest
from tests.lint.lint_helpers import LINT_FIXTURES, lint, locations

from nbprod.lint import engine
from nbprod.lint.engine import Job, lint_files, lint_notebook
from nbprod.lint.registry import CHECKS, Finding, load_rules
from nbprod.notebook import load_notebook


def _boom(nb, ctx):
    raise KeyError("cells")


def test_a_crashing_check_is_one_line_and_the_others_still_run():
    load_rules()  # registers the checks
    nb = load_notebook(LINT_FIXTURES / "findings.ipynb")
    checks = {"NB104": CHECKS["NB104"], "NB304": _boom}
    outcome = lint_notebook(nb, "findings.ipynb", {"NB104", "NB304"}, checks=checks)
    assert outcome.errors == ("findings.ipynb: internal error in NB304: KeyError: 'cells'",)
    assert [(d.code, d.cell.number) for d in outcome.diagnostics] == [("NB104", 4)]


def test_a_check_reporting_nonsense_is_an_internal_error():
    nb = load_notebook(LINT_FIXTURES / "findings.ipynb")
    checks = {"NB304": lambda nb, ctx: [Finding("NB304", "far away", cell=99)]}
    outcome = lint_notebook(nb, "findings.ipynb", {"NB304"}, checks=checks)
    assert outcome.errors == (
        "findings.ipynb: internal error in NB304: ValueError: finding in cell 99 of a 4-cell "
        "notebook",
    )


def test_a_crashing_check_through_the_cli_exits_2_and_reports_the_rest(project, monkeypatch):
    project.add("findings.ipynb", "clean.ipynb")
    monkeypatch.setitem(CHECKS, "NB304", _boom)
    result = lint("--select", "NB104,NB304", "--no-cache")
    assert result.code == 2
    assert result.err.splitlines() == [
        "clean.ipynb: internal error in NB304: KeyError: 'cells'",
        "findings.ipynb: internal error in NB304: KeyError: 'cells'",
    ]
    assert locations(result.out) == ["findings.ipynb:cell 4:1:9: NB104"]


@pytest.mark.slow
def test_the_process_pool_gives_the_same_results_in_the_same_order(tmp_path):
    names = [
        "findings.ipynb",
        "syntax_error.ipynb",
        "only_magics.ipynb",
        "nbformat3.ipynb",
        "empty.ipynb",
        "noqa.ipynb",
    ]
    jobs = []
    for i in range(3):
        for name in names:
            path = tmp_path / f"{i}-{name}"
            shutil.copyfile(LINT_FIXTURES / name, path)
            jobs.append(Job(str(path), path.read_bytes(), frozenset(load_rules()), {}))
    serial, pooled = lint_files(jobs, workers=1), lint_files(jobs, workers=2)
    assert pooled == serial
    assert sum(not o.loaded for o in pooled) == 3 and sum(len(o.diagnostics) for o in pooled) > 30


def test_pool_size_needs_enough_files_and_is_one_per_core():
    per_worker = engine.MIN_FILES_PER_WORKER
    assert engine.pool_size(per_worker * 2, cpus=2) == 2
    assert engine.pool_size(per_worker * 2 - 1, cpus=2) == 1  # too few files
    assert engine.pool_size(per_worker * 3, cpus=4) == 3
    assert engine.pool_size(per_worker * 8, cpus=2) == 2
    assert engine.pool_size(0, cpus=2) == 1


def test_walk_skips_checkpoints_vcs_virtualenvs_and_other_files(project):
    for folder in (
        ".ipynb_checkpoints",
        ".git",
        "venv",
        ".venv",
        "node_modules",
        "__pycache__",
        "env-with-cfg",
        "keep",
    ):
        project.add("findings.ipynb", to=folder)
    project.write("env-with-cfg/pyvenv.cfg", "home = /usr/bin\n")
    project.write("keep/notes.json", "{}")
    project.write("keep/script.py", "from os import *\n")
    os.symlink("keep", "linked")  # a symlinked directory is not followed
    result = lint("--select", "NB304")
    assert locations(result.out) == ["keep/findings.ipynb:cell 2:2:1: NB304"]


def test_named_files_are_linted_whatever_their_extension(project):
    project.add("findings.ipynb")
    shutil.copyfile("findings.ipynb", "findings.json")
    project.write("script.py", "from os import *\n")
    result = lint(
        "--select", "NB304", "findings.json", "script.py", "findings.ipynb", "./findings.ipynb"
    )
    assert (
        result.err == "script.py: not a valid notebook: invalid JSON at line 1 column 1: "
        "Expecting value\n"
    )
    assert locations(result.out) == [
        "findings.ipynb:cell 2:2:1: NB304",  # named twice, linted once
        "findings.json:cell 2:2:1: NB304",
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_files_are_byte_identical_after_a_run_without_fix(project, fmt):
    project.add(
        "findings.ipynb",
        "fixable.ipynb",
        "fixable_style.ipynb",
        "nbformat3.ipynb",
        "syntax_error.ipynb",
        "latin1.ipynb",
        "noqa.ipynb",
    )
    before = project.snapshot()
    lint("--format", fmt)
    lint("--format", fmt, "--statistics") if fmt in ("text", "json") else None
    assert project.snapshot() == before
