"""Bad input is normal input: one clear line per file on stderr, exit 2, the rest still linted,
and no file ever changed by a run without ``--fix``."""

from __future__ import annotations

import os

import pytest
from tests.lint.lint_helpers import lint, lint_process, locations

BAD = {
    "truncated.ipynb": "truncated.ipynb: not a valid notebook: invalid JSON at line 15 column 3: "
    "Unterminated string starting at",
    "empty.ipynb": "empty.ipynb: not a valid notebook: empty file",
    "missing_cells.ipynb": "missing_cells.ipynb: not a valid notebook: missing 'cells'",
    "latin1.ipynb": "latin1.ipynb: not a valid notebook: not UTF-8 (byte 0xeb at offset 119)",
}


def test_each_bad_file_is_one_line_and_the_others_are_still_linted(project):
    project.add(*BAD, "findings.ipynb")
    before = project.snapshot()
    result = lint("--select", "NB304")
    assert result.code == 2
    assert result.err.splitlines() == [BAD[name] for name in sorted(BAD)]  # walk order: by name
    assert locations(result.out) == ["findings.ipynb:cell 2:2:1: NB304"]
    assert "Traceback" not in result.err + result.out
    assert project.snapshot() == before


def test_exit_zero_does_not_hide_unreadable_files(project):
    project.add("empty.ipynb", "findings.ipynb")
    assert lint("--exit-zero", "--select", "NB304").code == 2
    project.path.joinpath("empty.ipynb").unlink()
    assert lint("--exit-zero", "--select", "NB304").code == 0


def test_nbformat3_is_linted(project):
    project.add("nbformat3.ipynb")
    result = lint("--select", "NB104,NB304", "nbformat3.ipynb")
    assert (result.code, result.err) == (1, "")
    assert locations(result.out) == [
        "nbformat3.ipynb:cell 2:2:1: NB304",
        "nbformat3.ipynb:cell 3:1:1: NB104",
    ]


def test_syntax_error_cell_does_not_stop_the_other_cells(project):
    project.add("syntax_error.ipynb")
    result = lint("--select", "NB104,NB304,NB401", "syntax_error.ipynb")
    assert result.code == 1
    assert result.out.splitlines()[1] == (
        "syntax_error.ipynb:cell 2:1:7: NB401 not valid Python (invalid syntax): the cell cannot "
        "run, and lint cannot check it"
    )
    assert locations(result.out) == [
        "syntax_error.ipynb:cell 1:1:1: NB304",
        "syntax_error.ipynb:cell 2:1:7: NB401",
        "syntax_error.ipynb:cell 3:2:5: NB104",
    ]


def test_cells_of_only_magics(project):
    project.add("only_magics.ipynb")
    result = lint("--select", "NB105,NB304,NB401,NB807", "only_magics.ipynb")
    assert (result.code, result.err) == (1, "")
    # %%bash is reported; `%time from os.path import *` is seen through the magic
    assert locations(result.out) == [
        "only_magics.ipynb:cell 3:1:1: NB807",
        "only_magics.ipynb:cell 4:1:1: NB304",
    ]


def test_non_python_notebook_runs_only_language_independent_checks(project):
    project.add("r_kernel.ipynb")
    result = lint("--select", "NB101,NB304,NB401,NB405", "r_kernel.ipynb")
    assert (result.code, result.err) == (1, "")
    assert locations(result.out) == ["r_kernel.ipynb:cell 2:1:1: NB101"]


def test_directory_named_like_a_notebook_is_walked_not_read(project):
    project.add("directory.ipynb")
    for args in (["directory.ipynb"], []):
        result = lint("--select", "NB304", *args)
        assert (result.code, result.err) == (1, "")
        assert locations(result.out) == ["directory.ipynb/inner.ipynb:cell 1:1:1: NB304"]


def test_missing_path_dangling_symlink_and_fifo(project):
    """Unreadable files: tests run as root, where ``chmod 000`` does not stop a read, so the
    unreadable cases are a path that does not exist, a dangling symlink (open fails) and a FIFO
    (nbprod must refuse it rather than block forever reading it)."""
    project.add("findings.ipynb")
    os.symlink("gone.ipynb", "dangling.ipynb")
    os.mkfifo("pipe.ipynb")
    result = lint("--select", "NB304", "nowhere.ipynb", ".")
    assert result.code == 2
    assert result.err.splitlines() == [
        "dangling.ipynb: cannot read: No such file or directory",
        "nowhere.ipynb: cannot read: No such file or directory",
        "pipe.ipynb: cannot read: not a regular file",
    ]
    assert locations(result.out) == ["findings.ipynb:cell 2:2:1: NB304"]


@pytest.mark.slow  # whole processes
def test_as_a_process_bad_inputs_give_one_line_each_and_no_traceback(project):
    project.add(*BAD, "findings.ipynb", "nbformat3.ipynb")
    before = project.snapshot()
    result = lint_process("--select", "NB304", "--no-cache", ".")
    assert result.code == 2
    assert result.err.splitlines() == [BAD[name] for name in sorted(BAD)]
    assert locations(result.out) == [
        "findings.ipynb:cell 2:2:1: NB304",
        "nbformat3.ipynb:cell 2:2:1: NB304",
    ]
    assert project.snapshot() == before
