"""``nbprod-run-smoke``: a real ``git push`` to a real (local, bare) remote runs changed notebooks
on a real kernel, with their defaults or their ``[tool.nbprod.smoke]`` parameters."""

from __future__ import annotations

import json
import re

import pytest

from nbprod.config import ConfigError
from nbprod.hooks.smoke import smoke_parameters, smoke_timeout

PARAMETERS = {"source": "divisor = 0", "metadata": {"tags": ["parameters"]}}
SMOKE = """\
[tool.nbprod.smoke]
timeout = 60
[tool.nbprod.smoke.parameters]
"*.ipynb" = { divisor = 2 }
"""
_RUN_DIR = re.compile(r"runs/[^/]+/")


@pytest.fixture
def pushing(git_repo, tmp_path):
    remote = tmp_path / "remote.git"
    git_repo.run("git", "init", "-q", "--bare", "-b", "main", remote, check=True)
    git_repo.git("remote", "add", "origin", remote)
    git_repo.install("nbprod-run-smoke", hook_types=("pre-push",))
    return git_repo


@pytest.mark.slow
def test_push_runs_changed_notebooks_with_defaults_then_smoke_parameters(pushing):
    repo = pushing
    path = repo.notebook("analysis.ipynb", PARAMETERS, "x = 1\ny = x / divisor", "print(y)")
    repo.git("add", "analysis.ipynb")
    repo.git("commit", "-q", "-m", "analysis")  # no pre-commit hook installed: commits as is
    before = path.read_bytes()

    failed = repo.run("git", "push", "-q", "origin", "main")
    assert failed.code != 0
    assert failed.status("nbprod run (smoke)") == "Failed"
    body = failed.body("nbprod run (smoke)")
    assert _RUN_DIR.sub("runs/ID/", body) == (
        "analysis.ipynb:cell 2:2:1: failed: ZeroDivisionError: division by zero · output "
        ".nbprod/runs/ID/analysis.ipynb\n"
    )
    executed = json.loads((repo.root / body.split(" · output ")[1].strip()).read_text())
    assert executed["cells"][-2]["outputs"][0]["ename"] == "ZeroDivisionError"
    assert repo.run("git", "ls-remote", "origin").output == ""  # nothing was pushed
    assert path.read_bytes() == before

    (repo.root / "pyproject.toml").write_text(SMOKE)
    repo.git("add", "pyproject.toml")
    repo.git("commit", "-q", "-m", "smoke parameters")
    passed = repo.run("git", "push", "-q", "origin", "main")
    assert passed.code == 0, passed.output
    assert passed.status("nbprod run (smoke)") == "Passed"
    last = json.loads(repo.run("nbprod", "runs", "show", "last", "--json", check=True).output)
    assert (last["notebook"], last["status"], last["parameters"]) == (
        "analysis.ipynb",
        "ok",
        {"divisor": 2},
    )
    assert repo.run("git", "ls-remote", "origin", "main").output.split()[0] == repo.head()
    assert path.read_bytes() == before

    (repo.root / "notes.txt").write_text("no notebook changed\n")
    repo.git("add", "notes.txt")
    repo.git("commit", "-q", "-m", "notes")
    skipped = repo.run("git", "push", "-q", "origin", "main")
    assert skipped.code == 0 and skipped.status("nbprod run (smoke)") == "Skipped"


def test_manual_stage_reports_what_cannot_run_in_one_line_each(pushing):
    """Unreadable notebooks and bad smoke parameters stop before any kernel starts."""
    repo = pushing
    (repo.root / "pyproject.toml").write_text(
        '[tool.nbprod.smoke.parameters]\n"typo.ipynb" = { divsor = 2 }\n'
    )
    repo.notebook("typo.ipynb", PARAMETERS, "1 / divisor")
    (repo.root / "broken.ipynb").write_text("{")
    repo.git("add", ".")
    result = repo.run(
        "pre-commit", "run", "nbprod-run-smoke", "--hook-stage", "manual", "--all-files"
    )
    assert result.code == 1 and "- exit code: 2" in result.output
    broken, typo = result.body("nbprod run (smoke)").splitlines()
    assert broken == (
        "broken.ipynb: not a valid notebook: invalid JSON at line 1 column 2: Expecting property "
        "name enclosed in double quotes"
    )
    assert typo.startswith("typo.ipynb: unknown parameter 'divsor'")


def test_smoke_parameters_merge_every_matching_pattern_in_order():
    section = {
        "parameters": {
            "notebooks/*.ipynb": {"rows": 100, "quick": True},
            "notebooks/train.ipynb": {"rows": 10},
            "reports/*.ipynb": {"rows": 1},
        }
    }
    assert smoke_parameters(section, "notebooks/train.ipynb", "p") == {"rows": 10, "quick": True}
    assert smoke_parameters(section, "notebooks/eda.ipynb", "p") == {"rows": 100, "quick": True}
    assert smoke_parameters(section, "eda.ipynb", "p") == {}
    assert smoke_timeout({}, "p") == 600.0 and smoke_timeout({"timeout": 5}, "p") == 5.0


@pytest.mark.parametrize(
    "section, message",
    [
        ({"parameters": 3}, "pyproject.toml: [tool.nbprod.smoke] 'parameters' must be a table"),
        (
            {"parameters": {"a.ipynb": 3}},
            "pyproject.toml: [tool.nbprod.smoke.parameters] 'a.ipynb': not a table",
        ),
        ({"timeout": "soon"}, "pyproject.toml: [tool.nbprod.smoke] 'timeout' must be a positive"),
    ],
)
def test_malformed_smoke_table_is_one_config_error(section, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        smoke_parameters(section, "a.ipynb", "pyproject.toml")
        smoke_timeout(section, "pyproject.toml")
