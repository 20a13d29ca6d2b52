"""``[tool.nbprod]`` discovery and validation, rule selection, per-file ignores, excludes."""

from __future__ import annotations

import pytest
from tests.lint.lint_helpers import lint, locations

from nbprod.lint.config import apply_layer, matches_glob

FINDINGS = ["findings.ipynb:cell 2:2:1: NB304", "findings.ipynb:cell 4:1:9: NB104"]


def test_config_is_found_by_walking_up_from_the_linted_path(project, monkeypatch):
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB304"]\n')
    project.add("findings.ipynb", to="sub/deeper")
    assert locations(lint("sub").out) == ["sub/deeper/findings.ipynb:cell 2:2:1: NB304"]
    monkeypatch.chdir(project.path / "sub" / "deeper")
    assert locations(lint("findings.ipynb").out) == ["findings.ipynb:cell 2:2:1: NB304"]


def test_nearest_config_wins_and_pyprojects_without_the_table_are_skipped(project):
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB304"]\n')
    project.write("inner/pyproject.toml", '[tool.nbprod]\nselect = ["NB104"]\n')
    project.write("plain/pyproject.toml", '[project]\nname = "plain"\n')
    project.add("findings.ipynb", to="inner")
    project.add("findings.ipynb", to="plain")
    assert locations(lint().out) == [
        "inner/findings.ipynb:cell 4:1:9: NB104",
        "plain/findings.ipynb:cell 2:2:1: NB304",
    ]


@pytest.mark.parametrize(
    "table, options, expected",
    [
        ('select = ["NB3"]', [], ["NB304"]),
        ('select = ["ALL"]\nignore = ["NB1", "NB8"]', ["--select", "NB104,NB304"], FINDINGS),
        ('select = ["NB304"]\nextend-select = ["NB104"]', [], FINDINGS),
        ('select = ["NB304"]', ["--extend-select", "NB104"], FINDINGS),
        ('select = ["NB1", "NB3"]\nignore = ["NB104"]', [], ["NB304"]),
        ('select = ["NB104", "NB304"]\nignore = ["NB1"]', [], FINDINGS),  # more specific wins
        ('select = ["NB104", "NB304"]', ["--ignore", "NB3"], ["NB104"]),
        ('select = ["nb304"]', [], ["NB304"]),  # case does not matter
    ],
)
def test_selection(project, table, options, expected):
    project.write("pyproject.toml", f"[tool.nbprod]\n{table}\n")
    project.add("findings.ipynb")
    result = lint(*options, "findings.ipynb")
    codes = [loc.rsplit(" ", 1)[1] for loc in locations(result.out)]
    want = [e.rsplit(" ", 1)[-1] for e in expected]
    assert (codes, result.err) == (want, "")


def test_selection_layers_are_pure_functions():
    known = ["NB101", "NB104", "NB304"]
    config = apply_layer(frozenset(), known, ("ALL",), (), ("NB1",))
    assert config == {"NB304"}
    assert apply_layer(config, known, None, ("NB101",), ()) == {"NB101", "NB304"}
    assert apply_layer(config, known, ("NB1",), (), ()) == {"NB101", "NB104"}


def test_per_file_ignores(project):
    project.write(
        "pyproject.toml",
        '[tool.nbprod]\nselect = ["NB104", "NB304"]\n'
        '[tool.nbprod.per-file-ignores]\n"drafts/*" = ["NB3"]\n"*.ipynb" = []\n',
    )
    project.add("findings.ipynb")
    project.add("findings.ipynb", to="drafts")
    assert locations(lint().out) == [
        "drafts/findings.ipynb:cell 4:1:9: NB104",
        *FINDINGS,
    ]


def test_exclude_applies_to_walked_and_named_files(project):
    project.write(
        "pyproject.toml",
        '[tool.nbprod]\nselect = ["NB304"]\nexclude = ["scratch", "*.draft.ipynb"]\n',
    )
    project.add("findings.ipynb", to="scratch/deep")
    project.add("findings.ipynb")
    (project.path / "findings.ipynb").rename(project.path / "x.draft.ipynb")
    project.add("clean.ipynb", "findings.ipynb", to="kept")
    assert locations(lint().out) == ["kept/findings.ipynb:cell 2:2:1: NB304"]
    named = lint("x.draft.ipynb", "scratch/deep/findings.ipynb")
    assert (named.code, named.out) == (0, "No notebooks found.\n")


def test_glob_matching():
    assert matches_glob("scratch/a.ipynb", "scratch")
    assert matches_glob("a/scratch/b/c.ipynb", "scratch")
    assert matches_glob("drafts/x/y.ipynb", "drafts/*")
    assert matches_glob("deep/x.draft.ipynb", "*.draft.ipynb")
    assert not matches_glob("drafts2/y.ipynb", "drafts")
    assert not matches_glob("notes/scratchpad.ipynb", "scratch")


def test_rule_options_reach_the_checks(project, make_notebook):
    make_notebook("a = 1\nb = 2\nc = 3", name="project/long.ipynb")
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB306"]\n')
    assert lint().code == 0
    project.write(
        "pyproject.toml",
        '[tool.nbprod]\nselect = ["NB306"]\n[tool.nbprod.rules.NB306]\nmax_lines = 2\n',
    )
    assert locations(lint().out) == ["long.ipynb:cell 1:1:1: NB306"]


def test_other_commands_sub_tables_are_not_lints_business(project):
    project.write(
        "pyproject.toml",
        '[tool.nbprod]\nselect = ["NB304"]\n[tool.nbprod.extract]\nwhatever = 1\n'
        "[tool.nbprod.run]\nsmoke = true\n",
    )
    project.add("findings.ipynb")
    result = lint()
    assert (result.code, result.err) == (1, "")


@pytest.mark.parametrize(
    "toml, message",
    [
        (
            'selct = ["NB1"]',
            "pyproject.toml: [tool.nbprod]: unknown key 'selct' (lint reads: "
            "select, extend-select, ignore, exclude, per-file-ignores, rules)",
        ),
        ('select = ["NB999"]', "pyproject.toml: unknown rule or prefix 'NB999'"),
        ('ignore = ["E501"]', "pyproject.toml: unknown rule or prefix 'E501'"),
        ('select = "NB1"', "pyproject.toml: 'select' must be a list of strings"),
        (
            "[tool.nbprod.rules.NB999]\nx = 1",
            "pyproject.toml: [tool.nbprod.rules.NB999]: unknown " "rule 'NB999'",
        ),
        (
            "[tool.nbprod.rules.NB306]\nmax_line = 1",
            "pyproject.toml: [tool.nbprod.rules.NB306]: "
            "unknown option 'max_line' (options: max_lines)",
        ),
        (
            '[tool.nbprod.rules.NB306]\nmax_lines = "many"',
            "pyproject.toml: " "[tool.nbprod.rules.NB306]: 'max_lines' must be int, not 'many'",
        ),
        (
            '[tool.nbprod.per-file-ignores]\n"a/*" = ["NB99"]',
            "pyproject.toml: unknown rule or " "prefix 'NB99'",
        ),
        ("select = [", None),  # invalid TOML: the parser's own message
    ],
)
def test_configuration_mistakes_are_one_line_and_exit_2(project, toml, message):
    project.write("pyproject.toml", f"[tool.nbprod]\n{toml}\n")
    project.add("findings.ipynb")
    result = lint()
    assert (result.code, result.out) == (2, "")
    assert len(result.err.splitlines()) == 1
    if message is None:
        assert result.err.startswith("pyproject.toml: invalid TOML: ")
    else:
        assert result.err == message + "\n"


def test_command_line_selector_mistakes(project):
    project.add("findings.ipynb")
    result = lint("--select", "NB304,XYZ1")
    assert (result.code, result.out, result.err) == (
        2,
        "",
        "--select: unknown rule or prefix " "'XYZ1'\n",
    )


def test_explicit_config_file(project):
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB104"]\n')
    project.write("ci/lint.toml", '[tool.nbprod]\nselect = ["NB304"]\n')
    project.write("ci/empty.toml", "[tool]\n")
    project.add("findings.ipynb")
    assert locations(lint("--config", "ci/lint.toml").out) == [FINDINGS[0]]
    result = lint("--config", "ci/empty.toml")
    assert (result.code, result.err) == (2, "ci/empty.toml: no [tool.nbprod] table\n")
    result = lint("--config", "ci/missing.toml")
    assert (result.code, result.err) == (
        2,
        "ci/missing.toml: cannot read: No such file or " "directory\n",
    )


def test_config_and_cache_follow_the_linted_path_not_the_working_directory(project, monkeypatch):
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB304"]\n')
    project.add("findings.ipynb")
    monkeypatch.chdir(project.path.parent)
    assert locations(lint("project/findings.ipynb").out) == [
        "project/findings.ipynb:cell 2:2:1: NB304"
    ]
    assert (project.path / ".nbprod" / "cache" / "lint").is_dir()
    assert not (project.path.parent / ".nbprod").exists()


def test_usage_mistakes_exit_2(project):
    result = lint("--no-such-option")
    assert result.code == 2 and "No such option" in result.err
    result = lint("--format", "xml")
    assert result.code == 2 and "'xml' is not one of" in result.err
