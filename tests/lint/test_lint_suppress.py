"""Suppressions: ``# noqa`` on the line, ``nbprod-ignore`` cell tags, notebook-level directives."""

from __future__ import annotations

from tests.lint.lint_helpers import lint, locations


def test_noqa_comments_and_cell_tags(project):
    """noqa.ipynb, cell by cell (cell 1 is markdown):
    2 `# noqa: NB304` -> silenced        5 `# noqa:NB3, NB1` (prefixes) -> silenced
    3 bare `# noqa` -> silenced          6 tag nbprod-ignore-NB304 -> silenced
    4 `# noqa: F403` (flake8's) -> kept  7 tag nbprod-ignore -> silenced
                                          8 tag nbprod-ignore-NB1 -> kept (NB304 is not NB1xx)
    """
    project.add("noqa.ipynb")
    result = lint("--select", "NB304", "noqa.ipynb")
    assert result.code == 1
    assert locations(result.out) == [
        "noqa.ipynb:cell 4:1:1: NB304",
        "noqa.ipynb:cell 8:1:1: NB304",
    ]


def test_notebook_metadata_ignore(project):
    project.add("noqa_metadata.ipynb")
    result = lint("--select", "NB104,NB304", "noqa_metadata.ipynb")
    assert locations(result.out) == ["noqa_metadata.ipynb:cell 2:1:1: NB104"]


def test_first_code_cell_directive(project):
    project.add("noqa_directive.ipynb")
    result = lint("--select", "NB104,NB304", "noqa_directive.ipynb")
    assert locations(result.out) == ["noqa_directive.ipynb:cell 3:2:1: NB104"]


def test_bare_directive_silences_every_rule_and_only_in_the_first_code_cell(project, make_notebook):
    make_notebook(
        {"cell_type": "markdown", "source": "# Title"},
        "# nbprod: ignore\nfrom os import *",
        "from sys import *",
        name="project/all.ipynb",
    )
    make_notebook("import json", "# nbprod: ignore\nfrom os import *", name="project/late.ipynb")
    result = lint("--select", "NB304")
    assert locations(result.out) == ["late.ipynb:cell 2:2:1: NB304"]
