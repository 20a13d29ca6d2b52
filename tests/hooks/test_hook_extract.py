"""``nbprod-extract-check``: a real commit fails when the package extracted from a notebook is out
of date with it, says the command that refreshes it, and passes once that command has run."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.hooks.conftest import edit_cell

MAPPING = '[tool.nbprod.extract]\npackages = { "analysis.ipynb" = "pipelines/analysis" }\n'
STALE = re.compile(
    r"pipelines/analysis: out of date with analysis\.ipynb \((?P<files>[^)]*)\); "
    r"refresh with: (?P<command>nbprod extract analysis\.ipynb -o pipelines/analysis --force)"
)


@pytest.mark.slow
def test_stale_package_fails_the_commit_until_the_printed_command_refreshes_it(git_repo):
    repo = git_repo
    repo.install("nbprod-extract-check")
    path = repo.notebook(
        "analysis.ipynb",
        {"cell_type": "markdown", "source": "# Analysis"},
        {"source": "n = 3", "metadata": {"tags": ["parameters"]}},
        {"cell_type": "markdown", "source": "## Total"},
        "total = sum(range(n))",
    )
    (repo.root / "pyproject.toml").write_text(MAPPING)
    repo.run(
        "nbprod",
        "extract",
        "analysis.ipynb",
        "-o",
        "pipelines/analysis",
        "--no-goldens",
        check=True,
    )
    first = repo.commit(".")
    assert first.code == 0, first.output
    assert first.status("nbprod extract --check") == "Passed"

    # the notebook changes: the commit fails, naming the command that refreshes the package
    edit_cell(path, 3, "total = sum(range(n)) * 2")
    notebook = path.read_bytes()
    pipeline = (repo.root / "pipelines/analysis/analysis/pipeline.py").read_bytes()
    stale = repo.commit("analysis.ipynb")
    assert stale.code == 1
    match = STALE.fullmatch(stale.body("nbprod extract --check").strip())
    assert match, stale.output
    assert match["files"]
    assert path.read_bytes() == notebook  # check-only: nothing written
    assert (repo.root / "pipelines/analysis/analysis/pipeline.py").read_bytes() == pipeline

    refreshed = repo.run(*shlex.split(match["command"]))
    assert refreshed.code == 0, refreshed.output
    assert repo.commit(".").code == 0

    # a generated file edited by hand is out of date too (the hook runs on Python files)
    with (repo.root / "pipelines/analysis/analysis/pipeline.py").open("a") as fh:
        fh.write("# tweaked by hand\n")
    edited = repo.commit("pipelines/analysis/analysis/pipeline.py")
    assert edited.code == 1
    assert STALE.fullmatch(edited.body("nbprod extract --check").strip())


def test_commit_without_notebook_python_or_toml_skips_the_check(git_repo):
    repo = git_repo
    repo.install("nbprod-extract-check")
    (repo.root / "notes.md").write_text("# notes\n")
    skipped = repo.commit("notes.md")
    assert skipped.code == 0
    assert skipped.status("nbprod extract --check") == "Skipped"
