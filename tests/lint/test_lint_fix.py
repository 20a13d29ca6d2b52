"""``--fix`` and ``--diff``: only what a fix edits changes; style, ids and metadata are kept."""

from __future__ import annotations

import json
import os

import pytest
from tests.lint.lint_helpers import LINT_FIXTURES, lint, lint_process, locations

from nbprod.lint.fix import detect_style

SELECT = ("--select", "NB202,NB204,NB304")


def _without_fixed_parts(data: dict) -> dict:
    """What --fix must leave alone: everything but the error output and the widget state."""
    data = json.loads(json.dumps(data))
    del data["metadata"]["widgets"]
    data["cells"][2]["outputs"] = [
        o for o in data["cells"][2]["outputs"] if o["output_type"] != "error"
    ]
    return data


def test_fix_round_trip_keeps_ids_metadata_style_and_trailing_newline(project):
    paths = project.add("fixable.ipynb", "fixable_style.ipynb")
    before = {p.name: p.read_text(encoding="utf-8") for p in paths}
    result = lint(*SELECT, "--fix")
    assert result.code == 1  # the star import is not fixable: it remains
    assert result.out.splitlines() == [
        *[line for line in result.out.splitlines() if " NB304 " in line],
        "Found 6 problems (4 fixed, 2 remaining).",
    ]
    assert locations(result.out) == [
        "fixable.ipynb:cell 4:1:1: NB304",
        "fixable_style.ipynb:cell 4:1:1: NB304",
    ]
    for path in paths:
        old, new = before[path.name], path.read_text(encoding="utf-8")
        assert json.loads(new) == _without_fixed_parts(json.loads(old))
        assert list(json.loads(new)["metadata"]) == [
            k for k in json.loads(old)["metadata"] if k != "widgets"
        ]  # key order kept (fixable_style.ipynb is not sorted)
        assert detect_style(new) == detect_style(old)
        assert new.endswith("\n") == old.endswith("\n")
        assert "Zoë" in new  # not escaped to \u00eb
    assert not before["fixable_style.ipynb"].endswith("\n")
    assert detect_style(before["fixable_style.ipynb"]).indent == "  "
    # a second run finds nothing left to fix
    again = lint(*SELECT, "--fix")
    assert again.out.splitlines()[-1] == "Found 2 problems in 2 notebooks."


def test_fix_changes_only_the_lines_of_the_fixed_parts(project):
    (path,) = project.add("fixable.ipynb")
    old = path.read_text(encoding="utf-8").splitlines()
    lint("--select", "NB204", "--fix", "fixable.ipynb")
    new = path.read_text(encoding="utf-8").splitlines()
    removed = [line for line in old if line not in new]
    assert len(old) - len(new) == 7 and removed == [
        '  "widgets": {',
        '   "application/vnd.jupyter.widget-state+json": {',
        '    "state": {},',
        '    "version_major": 2,',
        '    "version_minor": 0',
    ]


def test_fix_that_changed_a_file_exits_1_even_when_nothing_remains(project):
    project.add("fixable.ipynb")
    assert lint("--select", "NB204", "--fix").code == 1  # pre-commit's contract for fixers
    assert lint("--select", "NB204", "--fix").code == 0  # nothing left to change


def test_diff_prints_and_writes_nothing(project):
    paths = project.add("fixable.ipynb", "findings.ipynb")
    before = project.snapshot()
    result = lint(*SELECT, "--diff")
    assert result.code == 1
    assert project.snapshot() == before
    assert result.err == "Would fix 2 problems.\n"
    assert result.out.startswith("--- a/fixable.ipynb\n+++ b/fixable.ipynb\n@@ ")
    assert '-     "ename": "ZeroDivisionError",\n' in result.out
    assert '-  "widgets": {\n' in result.out
    assert "findings.ipynb" not in result.out
    assert lint(*SELECT, "--diff", str(paths[1])).code == 0


def test_fix_keeps_mode_follows_symlinks_and_leaves_no_temporary_file(project):
    (path,) = project.add("fixable.ipynb", to="real")
    path.chmod(0o640)
    os.symlink("real/fixable.ipynb", "link.ipynb")
    lint("--select", "NB204", "--fix", "link.ipynb")
    assert os.path.islink("link.ipynb")
    assert "widgets" not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir("real")) == ["fixable.ipynb"]


def test_nbformat3_is_reported_but_not_rewritten(project):
    (path,) = project.add("nbformat3.ipynb")
    before = path.read_bytes()
    result = lint("--select", "NB202,NB304", "--fix", "nbformat3.ipynb")
    assert (result.code, result.err) == (
        1,
        "nbformat3.ipynb: not fixed: nbformat 3 (upgrade it "
        "first: jupyter nbconvert --to notebook --inplace)\n",
    )
    assert path.read_bytes() == before
    assert locations(result.out) == [
        "nbformat3.ipynb:cell 2:2:1: NB304",
        "nbformat3.ipynb:cell 3:1:1: NB202",
    ]


@pytest.mark.slow  # whole processes
def test_fix_as_a_process(project):
    (path,) = project.add("fixable.ipynb")
    result = lint_process(*SELECT, "--fix", "--format", "json", "fixable.ipynb")
    assert result.code == 1
    assert result.err == "2 fixed.\n"
    assert [d["code"] for d in json.loads(result.out)] == ["NB304"]
    assert "widgets" not in json.loads(path.read_text())["metadata"]


def test_a_layout_nbprod_cannot_reproduce_is_not_rewritten(project):
    (path,) = project.add("fixable.ipynb")
    # `\/` is valid JSON for "/", but json.dumps writes "/": rewriting would touch other lines
    path.write_text(path.read_text().replace('"x = 1"', '"x = 1 \\/ 2"'), encoding="utf-8")
    before = path.read_bytes()
    result = lint("--select", "NB204", "--fix", "fixable.ipynb")
    assert result.err == (
        "fixable.ipynb: not fixed: its JSON layout is not one nbprod can write back unchanged\n"
    )
    assert (result.code, path.read_bytes()) == (1, before)


@pytest.mark.parametrize(
    "options",
    [
        {"indent": 1, "sort_keys": True, "ensure_ascii": False},  # nbformat's own
        {"indent": 1, "ensure_ascii": True},
        {"indent": 4},
        {"indent": "\t"},
        {},
        {"separators": (",", ":")},
        {"indent": 2, "separators": (",", ":")},
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_detected_style_writes_the_text_back_byte_for_byte(options, newline, final_newline):
    data = json.loads((LINT_FIXTURES / "fixable.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(data, **options).replace("\n", newline) + (newline if final_newline else "")
    assert detect_style(text).dumps(json.loads(text)) == text
