"""``nbprod rule``: one rule's documentation, the list, the README table (kept in sync)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from tests.rules.rules_helpers import RULES

from nbprod.cli import cli
from nbprod.lint.catalogue import table_markdown

README = Path(__file__).parents[2] / "README.md"


def run(*args: str):
    return CliRunner().invoke(cli, ["rule", *args])


def test_one_rule():
    result = run("NB309")
    assert result.exit_code == 0
    assert result.output.startswith(
        "NB309 global-statement  (code-modularity, warning)\n\n"
        "A function uses the `global` statement to rebind a notebook variable.\n\n"
        "Why it matters:\n  `global` lets a function change"
    )
    assert "Triggers it:\n  cell 1 (code):\n    counter = 0\n" in result.output
    assert "Does not:\n  cell 1 (code):\n    def bump(counter):\n" in result.output


def test_options_fix_and_outputs_are_shown():
    out = run("NB201").output
    assert "(version-control, warning, fixable)" in out
    assert "Options ([tool.nbprod.rules.NB201] in pyproject.toml):\n  max_image_kb = 200\n" in out
    assert '    -> stdout output: "epoch 1 loss 0.5000\\n" (x600)\n' in out


def test_prefix_selects_a_limitation():
    out = run("nb8").output
    assert [line.split()[0] for line in out.splitlines() if line.startswith("NB8")] == [
        c for c in RULES if c.startswith("NB8")
    ]


def test_list_has_one_line_per_rule():
    result = run("--all")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert lines[0].split()[1:4] == ["non-linear-execution", "reproducibility", "warning"]


def test_unknown_code_and_no_code_are_usage_errors():
    result = run("NB999")
    assert result.exit_code == 2
    assert "unknown rule 'NB999'" in result.output
    assert run().exit_code == 2


def test_markdown_section():
    out = run("NB305", "--format", "markdown").output
    assert out.startswith("### NB305 `unused-import`\n\n*code-modularity, warning.* ")
    assert "```python\nimport json\nimport os\n" in out


def test_readme_rule_table_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    current = text[text.index(start) + len(start) : text.index(end)]
    expected = table_markdown(RULES.values())
    assert current == expected, (
        "README rule table is stale: paste `nbprod rule --all --format markdown` between the "
        "rules markers"
    )
    assert run("--all", "--format", "markdown").output == expected
    assert all(f"| {code}" in current for code in RULES)
