"""``nbprod-lint`` and ``nbprod-lint-fix`` in a real git repository, run by real ``git commit``."""

from __future__ import annotations

import json
import re

import pytest

from tests.hooks.conftest import FIXERS, edit_cell

SELECT = '[tool.nbprod]\nselect = ["NB202", "NB303", "NB401"]\n'
ERROR = {
    "output_type": "error",
    "ename": "ZeroDivisionError",
    "evalue": "division by zero",
    "traceback": ["Traceback (most recent call last)", "ZeroDivisionError: division by zero"],
}
CELLS = (
    {"cell_type": "markdown", "source": "# Analysis"},
    {"source": "n = 3", "metadata": {"tags": ["parameters"]}},
    "import os\nprint(os.sep * n)",
    "x = n * 2\nimport json",
    "total = (n +",
)
FINDINGS = [
    "analysis.ipynb:cell 4:2:1: NB303",
    "analysis.ipynb:cell 5:1:9: NB401",
    "Found 2 problems in 1 notebook.",
]
_LOCATED = re.compile(r"^\S+?:(?:cell \d+:)?\d+:\d+: NB\d{3} ")


def located(body: str) -> list[str]:
    """The hook's output lines, each finding cut after its code: ``PATH:cell N:LINE:COL: NB123``
    (its wording is the rule's business, its place and code the hook's)."""
    return [m[0].rstrip() if (m := _LOCATED.match(x)) else x for x in body.splitlines()]


def fix_cells(path):
    edit_cell(path, 3, "x = n * 2")
    edit_cell(path, 4, "total = (n + 1)")


@pytest.fixture
def repo(git_repo):
    (git_repo.root / "pyproject.toml").write_text(SELECT)
    git_repo.git("add", "pyproject.toml")
    return git_repo


@pytest.mark.slow
def test_findings_fail_the_commit_with_located_messages_and_the_fix_passes(repo):
    repo.install("nbprod-lint")
    path = repo.notebook("analysis.ipynb", *CELLS)
    before = path.read_bytes()
    first = repo.head()

    failed = repo.commit("analysis.ipynb")
    assert failed.code == 1 and failed.status("nbprod lint") == "Failed"
    assert located(failed.body("nbprod lint")) == FINDINGS
    assert repo.head() == first
    assert path.read_bytes() == before  # check-only: not a byte changed

    fix_cells(path)
    passed = repo.commit("analysis.ipynb")
    assert passed.code == 0, passed.output
    assert passed.status("nbprod lint") == "Passed"
    assert repo.git("show", "--name-only", "--format=", "HEAD").output == "analysis.ipynb\n"
    assert repo.status() == ""  # the lint cache in .nbprod/ ignores itself


@pytest.mark.slow
def test_check_only_hook_keeps_ids_metadata_and_layout_byte_for_byte(repo):
    """A notebook in another tool's layout (indent 2, ASCII escapes, CRLF, no final newline) with
    custom metadata, ids, outputs and counts is reported on, never rewritten."""
    repo.install("nbprod-lint")
    data = {
        "cells": [
            {
                "cell_type": "code",
                "id": "7f3a-custom",
                "metadata": {"collapsed": True, "tags": ["parameters"], "vscode": {"x": "é"}},
                "execution_count": 12,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["naïve\n"]}],
                "source": ["x = 1\n", "print('naïve')"],
            },
            {
                "cell_type": "code",
                "id": "b-2",
                "metadata": {},
                "execution_count": 13,
                "outputs": [ERROR],
                "source": ["import math\n", "math.pi / 0"],
            },
            {
                "cell_type": "code",
                "id": "c-3",
                "metadata": {"scrolled": False},
                "execution_count": 14,
                "outputs": [],
                "source": ["import json"],
            },
        ],
        "metadata": {
            "kernelspec": {"display_name": "Py 3", "name": "python3", "language": "python"},
            "custom": [1, 2],
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = repo.root / "analysis.ipynb"
    path.write_bytes(json.dumps(data, indent=2).replace("\n", "\r\n").encode())
    before = path.read_bytes()

    failed = repo.commit("analysis.ipynb")
    assert failed.code == 1
    assert located(failed.body("nbprod lint")) == [
        "analysis.ipynb:cell 2:1:1: NB202",
        "analysis.ipynb:cell 3:1:1: NB303",
        "Found 2 problems in 1 notebook. 1 fixable with --fix.",
    ]
    assert path.read_bytes() == before
    assert repo.git("diff", "--stat").output == ""  # the staged copy is the same too


@pytest.mark.slow
def test_partially_staged_notebook_is_checked_as_staged(repo):
    repo.install("nbprod-lint")
    path = repo.notebook("analysis.ipynb", *CELLS)
    fix_cells(path)
    assert repo.commit("analysis.ipynb").code == 0

    # staged: a clean edit; unstaged on top of it: a new finding -> the commit passes
    edit_cell(path, 4, "total = (n + 2)")
    repo.git("add", "analysis.ipynb")
    edit_cell(path, 4, "total = (n + 2)\nimport json")
    unstaged = path.read_bytes()
    passed = repo.commit()
    assert passed.code == 0, passed.output
    committed = repo.git("show", "HEAD:analysis.ipynb").output
    assert "total = (n + 2)" in committed and "import json" not in committed
    assert path.read_bytes() == unstaged  # pre-commit put the unstaged edit back
    assert repo.status() == " M analysis.ipynb\n"

    # staged: a finding; unstaged on top of it: its fix -> the commit fails on the staged text
    repo.git("add", "analysis.ipynb")
    edit_cell(path, 4, "total = (n + 2)")
    unstaged = path.read_bytes()
    failed = repo.commit()
    assert failed.code == 1
    assert located(failed.body("nbprod lint")) == [
        "analysis.ipynb:cell 5:2:1: NB303",
        "Found 1 problem in 1 notebook.",
    ]
    assert path.read_bytes() == unstaged
    assert repo.status() == "MM analysis.ipynb\n"


def without_final_newline(path):
    path.write_bytes(path.read_bytes().rstrip(b"\n"))


def python2_layout(path):
    """Rewrite as Python 2's json.dumps(indent=1) did: ', ' separators leave trailing spaces."""
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data, indent=1, separators=(", ", ": ")), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize(
    "order, damage",
    [
        ("fixers first", without_final_newline),
        ("nbprod first", without_final_newline),
        ("fixers first", python2_layout),
    ],
    ids=["no-final-newline", "no-final-newline-nbprod-first", "python2-trailing-spaces"],
)
def test_fixers_converge_in_one_pass(repo, order, damage):
    """end-of-file-fixer, trailing-whitespace and nbprod-lint-fix each fix their part in the
    first commit (which fails because files changed); the second commit passes unchanged."""
    hooks = ("nbprod-lint-fix", "nbprod-lint")
    repo.install(*(*FIXERS, *hooks) if order == "fixers first" else (*hooks, *FIXERS))
    path = repo.notebook(
        "analysis.ipynb",
        {"source": "import os\n\nn = 3", "metadata": {"tags": ["parameters"]}},
        {"source": "n / 0", "outputs": [ERROR], "execution_count": 2, "id": "keep-me"},
    )
    damage(path)

    first = repo.commit("analysis.ipynb")
    assert first.code == 1
    assert first.modified("nbprod lint --fix")
    assert first.status("nbprod lint") == "Passed"
    assert first.modified("fix end of files") or first.modified("trim trailing whitespace")

    repo.git("add", "analysis.ipynb")
    fixed = path.read_bytes()
    second = repo.commit()
    assert second.code == 0, second.output
    assert path.read_bytes() == fixed
    data = json.loads(fixed)
    assert data["cells"][1]["outputs"] == [] and data["cells"][1]["id"] == "keep-me"
    assert data["cells"][1]["execution_count"] == 2
    assert fixed.endswith(b"}\n") and b" \n" not in fixed


def test_unreadable_notebook_is_one_line_and_the_others_are_still_checked(repo):
    repo.install("nbprod-lint")
    repo.notebook("analysis.ipynb", *CELLS)
    (repo.root / "broken.ipynb").write_text('{"cells": [\n')
    failed = repo.commit("analysis.ipynb", "broken.ipynb")
    assert failed.code == 1 and "- exit code: 2" in failed.output
    assert located(failed.body("nbprod lint")) == [
        "broken.ipynb: not a valid notebook: invalid JSON at line 2 column 1: Expecting value",
        *FINDINGS,
    ]


def test_excluded_notebooks_pass_the_hook(repo):
    (repo.root / "pyproject.toml").write_text(SELECT + 'exclude = ["scratch/**"]\n')
    repo.git("add", "pyproject.toml")
    repo.install("nbprod-lint")
    repo.notebook("scratch/try.ipynb", *CELLS)
    passed = repo.commit("scratch/try.ipynb")
    assert passed.code == 0, passed.output
