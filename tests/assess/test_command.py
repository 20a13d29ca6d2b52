"""``nbprod assess`` as users run it: output formats, exit codes, bad input, non-git folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.assess.conftest import assess_json, evidence, run_assess, statuses, write_files
from tests.conftest import notebook_json

SMALL = {
    "README.md": "# demo\n\nA small demo project that trains nothing yet.\n",
    "requirements.txt": "pytest==8.3.3\n",
    "tests/test_ok.py": "def test_ok():\n    assert True\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps:\n      - run: python -m pytest\n",
}

SMALL_TEXT = """\
MLOps maturity of REPO: Level 1 of 4: DevOps but no MLOps (Microsoft MLOps maturity model, levels 0-4; Google MLOps level 0 of 2: Manual process)

Level 1: DevOps but no MLOps (Google level 0)
  PASS    Code under version control  (required for level 1)
            .  1 commit
  PASS    CI runs on every change  (required for level 1)
            .github/workflows/ci.yml:1  GitHub Actions: 1 step, on push
  PASS    Tests run automatically  (required for level 1)
            tests/test_ok.py:1  1 test
            .github/workflows/ci.yml:5  python -m pytest
  MISSING Static checks run automatically  (recommended)
            next: lint code and notebooks in CI (`ruff check .`, `nbprod lint .`) [nbprod lint]
  MISSING Pre-commit hooks  (recommended)
            next: add a .pre-commit-config.yaml with nbprod's hooks [nbprod's pre-commit hooks]
  PASS    Notebooks free of error-severity lint findings  (recommended)
            .  no notebooks
  PARTIAL README and model card  (recommended)
            README.md  10 words
            next: add the missing README or model card (intended use, data, metrics, limits)

Level 2: Automated Training (Google level 1)
  PASS    Pinned environment  (required for level 2)
            requirements.txt:1  1 of 1 requirement pinned
  MISSING Training code is a module with an entry point and parameters  (required for level 2)
            next: move training out of notebooks into a module with a CLI and parameters [nbprod extract]
  MISSING Tests import the feature and training code  (required for level 2)
            next: test the feature and training functions: import them in tests [nbprod extract]
  MISSING Training runs automatically  (required for level 2)
            next: make training one command and run it in CI or on a schedule [nbprod run]
  MISSING Randomness is seeded  (recommended)
            next: fix the seeds (`random_state=`, numpy/torch seeds) or take a --seed parameter [nbprod lint]
  MISSING Experiments are tracked  (required for level 3)
            next: log parameters and metrics to a tracker (MLflow, W&B, DVCLive) from the training code, or run notebooks with `nbprod run --mlflow URI` [nbprod run]
  MISSING Input data is validated  (recommended)
            next: check input data against a schema (pandera, Great Expectations) in the pipeline

Level 3: Automated Model Deployment (Google level 2)
  MISSING Models are registered  (required for level 3)
            next: register trained models (MLflow Model Registry, W&B, Hugging Face, GTO)
  MISSING Model release is automated  (required for level 3)
            next: add a CD job that builds and releases the model (image, endpoint)
  MISSING Data is versioned  (required for level 3)
            next: version the data with DVC (`dvc add`) or Git LFS

Level 4: Full MLOps Automated Operations (Google level 2)
  MISSING The deployed model is monitored  (required for level 4)
            next: monitor drift and model quality (Evidently, NannyML, whylogs, Prometheus)
  MISSING Retraining is triggered by monitoring  (required for level 4)
            next: retrain from a scheduled or event-driven job that checks drift first [nbprod run]

Scores (ML Test Score: 1 point automated, 0.5 manual; overall = minimum over sections)
  Data                    0 / 2
  Model development     1.5 / 7
  ML infrastructure       4 / 8
  Monitoring              0 / 2
  Overall                 0

Roadmap to Level 2: Automated Training (Google level 1)
  1. Training code is a module with an entry point and parameters (MISSING): move training out of notebooks into a module with a CLI and parameters [nbprod extract]
  2. Tests import the feature and training code (MISSING): test the feature and training functions: import them in tests [nbprod extract]
  3. Training runs automatically (MISSING): make training one command and run it in CI or on a schedule [nbprod run]
  also: Static checks run automatically (MISSING): lint code and notebooks in CI (`ruff check .`, `nbprod lint .`) [nbprod lint]
  also: Pre-commit hooks (MISSING): add a .pre-commit-config.yaml with nbprod's hooks [nbprod's pre-commit hooks]
  also: README and model card (PARTIAL): add the missing README or model card (intended use, data, metrics, limits)
  also: Randomness is seeded (MISSING): fix the seeds (`random_state=`, numpy/torch seeds) or take a --seed parameter [nbprod lint]
  also: Input data is validated (MISSING): check input data against a schema (pandera, Great Expectations) in the pipeline
"""


def test_text_output(repo):
    root = repo(SMALL)
    result = run_assess(str(root))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.replace(str(root), "REPO") == SMALL_TEXT


def test_markdown_output(repo):
    root = repo(SMALL)
    out = run_assess(str(root), "--format", "markdown").stdout.replace(str(root), "REPO")
    lines = out.splitlines()
    assert lines[0] == (
        "**MLOps maturity: Level 1 of 4, DevOps but no MLOps** (Microsoft MLOps maturity model, "
        "levels 0-4; Google MLOps level 0 of 2: Manual process)"
    )
    assert lines[2:6] == [
        "| Level | Criterion | Status | Evidence | Next step |",
        "|---|---|---|---|---|",
        "| 1 | Code under version control | PASS | `.` 1 commit |  |",
        "| 1 | CI runs on every change | PASS | `.github/workflows/ci.yml:1` GitHub Actions: 1 step, "
        "on push |  |",
    ]
    assert "| **Overall** (minimum over sections) | **0** |" in lines
    assert "Roadmap to Level 2: Automated Training (Google level 1):" in lines


def test_json_output_fields(repo):
    data = assess_json(repo(SMALL))
    assert sorted(data) == [
        "criteria",
        "google_level",
        "google_name",
        "level",
        "name",
        "notebooks",
        "overall",
        "path",
        "problems",
        "roadmap",
        "scale",
        "sections",
    ]
    assert data["sections"] == [
        {"id": "data", "title": "Data", "score": 0.0, "max": 2},
        {"id": "model", "title": "Model development", "score": 1.5, "max": 7},
        {"id": "infrastructure", "title": "ML infrastructure", "score": 4.0, "max": 8},
        {"id": "monitoring", "title": "Monitoring", "score": 0.0, "max": 2},
    ]
    (ci,) = [c for c in data["criteria"] if c["id"] == "ci-tests"]
    assert {k: ci[k] for k in ("level", "required_for_level", "status", "points", "command")} == {
        "level": 1,
        "required_for_level": 1,
        "status": "PASS",
        "points": 1.0,
        "command": None,
    }
    assert ci["evidence"][0] == {
        "fact": "tests",
        "path": "tests/test_ok.py",
        "cell": None,
        "line": 1,
        "note": "1 test",
    }


def test_unreadable_path_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "nope"
    result = run_assess(str(missing))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"{missing}: cannot read: No such file or directory\n"
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    result = run_assess(str(afile))
    assert (result.exit_code, result.stderr) == (2, f"{afile}: cannot assess: not a directory\n")


def test_usage_errors_exit_2(tmp_path):
    assert run_assess(str(tmp_path), "--format", "sarif").exit_code == 2
    assert run_assess(str(tmp_path), "--min-level", "5").exit_code == 2


def test_bad_files_are_one_line_each_and_the_rest_goes_on(repo):
    root = repo(
        {
            **SMALL,
            ".github/workflows/broken.yml": "on: push\njobs:\n  build: [\n",
            "notebooks/broken.ipynb": '{"cells": [',
            "notebooks/ok.ipynb": notebook_json("import random\nrandom.seed(1)"),
            "legacy/py2.py": "print 'hello'\n",
            "setup.cfg": "[options\n",
        }
    )
    result = run_assess(str(root), "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "setup.cfg: not read: File contains no section headers.",
        "legacy/py2.py: skipped: not valid Python 3 (SyntaxError (line 1))",
        ".github/workflows/broken.yml: not read as GitHub Actions configuration: invalid YAML at "
        "line 4: expected the node content, but found '<stream end>'",
        "notebooks/broken.ipynb: not a valid notebook: invalid JSON at line 1 column 12: "
        "Expecting value",
    ]
    data = json.loads(result.stdout)
    assert data["problems"] == result.stderr.splitlines()
    assert data["level"] == 1  # ci.yml still counts
    shown = evidence(data, "notebooks")
    assert shown[:2] == [
        ".  1 of 2 notebooks without error-severity findings",
        "notebooks/broken.ipynb  not valid: invalid JSON at line 1 column 12: Expecting value",
    ]
    assert shown[2].startswith("notebooks/ok.ipynb  ") and "error" not in shown[2]  # lint's rules
    assert evidence(data, "seeds") == ["notebooks/ok.ipynb:cell 1:2  `random.seed`"]


def test_a_folder_without_git_is_walked_and_skips_virtualenvs(tmp_path):
    root = write_files(
        tmp_path / "plain",
        {
            **SMALL,
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            ".venv/lib/mlflow_use.py": "import mlflow\nmlflow.log_metric('a', 1)\n",
            "env2/pyvenv.cfg": "home = /usr/bin\n",
            "env2/track.py": "import wandb\nwandb.init()\n",
            "node_modules/x/train.py": "model.fit(X, y)\n",
        },
    )
    data = assess_json(root)
    assert data["level"] == 0
    assert statuses(data)["version-control"] == "MISSING"
    assert statuses(data)["tracking"] == "MISSING"
    assert statuses(data)["ci-tests"] == "PASS"


def test_help_names_the_scale_and_exit_codes():
    out = subprocess.run(
        [sys.executable, "-m", "nbprod", "assess", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "100"},
    ).stdout
    assert "Microsoft's 0-4 scale" in out and "Google 0-2" in out
    assert "--min-level N" in out and "text|json|markdown" in out
    assert "Exit 0 when assessed, 1 below --min-level, 2 on a usage error" in " ".join(out.split())


def test_readme_criteria_table_is_generated_from_the_data():
    from nbprod.assess.render import criteria_table
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- assess:start -->")[1].split("<!-- assess:end -->")[0]
    assert criteria_table() in section


def test_text_shows_lint_findings_per_limitation(repo):
    from tests.assess.test_levels import LEVEL_0

    root = repo({**LEVEL_0, "notebooks/draft.ipynb": notebook_json("print(undefined_name)")})
    out = run_assess(str(root)).stdout
    summary = out.split("Notebook lint findings per limitation (2 notebooks)\n")[1].split("\n\n")[0]
    rows = summary.splitlines()
    assert rows and all(row.startswith("  ") for row in rows)
    assert any(row.split()[:4] == ["debugging", "1", "in", "1"] and "NB402" in row for row in rows)


def test_git_repository_without_commits_is_partial(repo):
    data = assess_json(repo(SMALL, commits=0))
    assert statuses(data)["version-control"] == "PARTIAL"
    assert evidence(data, "version-control") == [
        ".  git repository without commits; 1 source file not committed"
    ]
    assert data["level"] == 0
