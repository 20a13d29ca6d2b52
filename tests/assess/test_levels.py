"""One fixture repository per maturity level, each built on the one before; each is assessed at
its level, with the evidence (file and line) that puts it there."""

from __future__ import annotations

import textwrap

from tests.assess.conftest import assess_json, at, evidence, run_assess, statuses
from tests.conftest import notebook_json

NOTEBOOK = notebook_json(
    {"cell_type": "markdown", "source": "# Churn exploration"},
    "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier",
    {"source": "n_estimators = 100", "metadata": {"tags": ["parameters"]}},
    'df = pd.read_csv("data/churn.csv")\nmodel = RandomForestClassifier(n_estimators)\n'
    'model.fit(df[["tenure"]], df["churned"])',
)

LEVEL_0 = {
    "README.md": "# churn\n\nNotebooks that explore why customers leave.\n",
    "notebooks/churn.ipynb": NOTEBOOK,
    "data/churn.csv": "tenure,churned\n1,0\n30,1\n",
}

LEVEL_1 = {
    **LEVEL_0,
    ".github/workflows/ci.yml": """
        name: ci
        on:
          push:
          pull_request:
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: pip install -r requirements.txt
              - run: |
                  ruff check .
                  python -m pytest -q
        """,
    "requirements.txt": "pandas>=2.0\nscikit-learn\npytest\n",
    "churn_utils/__init__.py": "",
    "churn_utils/io.py": """
        import json


        def read_config(path):
            with open(path) as fh:
                return json.load(fh)
        """,
    "tests/test_io.py": """
        from churn_utils.io import read_config


        def test_read_config(tmp_path):
            (tmp_path / "c.json").write_text('{"a": 1}')
            assert read_config(tmp_path / "c.json") == {"a": 1}
        """,
}

LEVEL_2 = {
    **LEVEL_1,
    "requirements.txt": "pandas==2.2.3\nscikit-learn==1.5.2\npytest==8.3.3\n",
    "churn/__init__.py": "",
    "churn/features.py": """
        import pandas as pd


        def build_features(df: pd.DataFrame) -> pd.DataFrame:
            return df[["tenure"]]
        """,
    "churn/train.py": """
        import argparse

        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier

        from churn.features import build_features


        def train(df, n_estimators=100, seed=0):
            model = RandomForestClassifier(n_estimators=n_estimators, random_state=seed)
            model.fit(build_features(df), df["churned"])
            return model


        def main(argv=None):
            parser = argparse.ArgumentParser()
            parser.add_argument("--n-estimators", type=int, default=100)
            args = parser.parse_args(argv)
            train(pd.read_csv("data/churn.csv"), args.n_estimators)


        if __name__ == "__main__":
            main()
        """,
    "tests/test_train.py": """
        import pandas as pd

        from churn.train import train


        def test_train_fits():
            df = pd.DataFrame({"tenure": [1, 30, 2, 40], "churned": [0, 1, 0, 1]})
            assert train(df, n_estimators=3).predict(df[["tenure"]]).shape == (4,)
        """,
    ".github/workflows/ci.yml": """
        name: ci
        on: [push, pull_request]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: pip install -r requirements.txt
              - run: |
                  ruff check .
                  python -m pytest -q
              - name: Train
                run: python -m churn.train --n-estimators 10
        """,
}

LEVEL_3 = {
    **LEVEL_2,
    "churn/train.py": textwrap.dedent(LEVEL_2["churn/train.py"])
    .replace("import argparse\n", "import argparse\n\nimport mlflow\n")
    .replace(
        "    return model\n",
        '    mlflow.log_metric("train_accuracy", model.score(build_features(df), df["churned"]))\n'
        '    mlflow.sklearn.log_model(model, "model", registered_model_name="churn")\n'
        "    return model\n",
    ),
    "data/churn.csv": None,
    ".gitignore": "/data/churn.csv\n",
    "data/churn.csv.dvc": """
        outs:
        - md5: 3f2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d
          size: 28
          path: churn.csv
        """,
    ".dvc/config": "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n",
    "Dockerfile": """
        FROM python:3.11-slim
        COPY . /app
        RUN pip install -r /app/requirements.txt
        CMD ["uvicorn", "churn.serve:app", "--host", "0.0.0.0"]
        """,
    ".github/workflows/release.yml": """
        name: release
        on:
          push:
            tags: ["v*"]
        jobs:
          image:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: docker build -t registry.example.com/churn:${{ github.ref_name }} .
              - run: docker push registry.example.com/churn:${{ github.ref_name }}
        """,
}

LEVEL_4 = {
    **LEVEL_3,
    "churn/monitor.py": """
        import argparse

        import pandas as pd
        from evidently.metric_preset import DataDriftPreset
        from evidently.report import Report


        def drift(reference, current):
            report = Report(metrics=[DataDriftPreset()])
            report.run(reference_data=reference, current_data=current)
            return report.as_dict()


        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("current")
            args = parser.parse_args()
            drift(pd.read_csv("data/churn.csv"), pd.read_csv(args.current))
        """,
    ".github/workflows/retrain.yml": """
        name: retrain
        on:
          schedule:
            - cron: "0 3 * * 1"
        jobs:
          retrain:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: python -m churn.monitor data/latest.csv
              - run: python -m churn.train
        """,
}

GATES = {
    1: ("version-control", "ci", "ci-tests"),
    2: ("pinned-environment", "training-modules", "training-tests", "automated-training"),
    3: ("tracking", "model-registry", "deployment", "data-versioning"),
    4: ("monitoring", "retraining-trigger"),
}


def gating(data) -> dict[int, dict[str, str]]:
    found = statuses(data)
    return {level: {c: found[c] for c in names} for level, names in GATES.items()}


def gate(root, level: int) -> None:
    """``--min-level`` passes at the repository's level and fails one above it."""
    assert run_assess(str(root), "--min-level", str(level), "--format", "json").exit_code == 0
    if level < 4:
        result = run_assess(str(root), "--min-level", str(level + 1), "--format", "markdown")
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1] == (
            f"{root}: level {level} is below --min-level {level + 1}"
        )


def test_level_0_notebooks_only(repo):
    root = repo(LEVEL_0)
    data = assess_json(root)
    assert (data["level"], data["name"], data["google_level"]) == (0, "No MLOps", 0)
    assert data["scale"] == "Microsoft MLOps maturity model, levels 0-4"
    assert gating(data)[1] == {"version-control": "PASS", "ci": "MISSING", "ci-tests": "MISSING"}
    assert evidence(data, "version-control") == [".  1 commit"]
    assert evidence(data, "training-modules") == [
        "notebooks/churn.ipynb:cell 3:1  trains, with a `parameters` cell (papermill)",
        "notebooks/churn.ipynb:cell 4:3  `model.fit`",
    ]
    assert statuses(data)["training-modules"] == "PARTIAL"
    assert evidence(data, "data-versioning") == ["data/churn.csv  data committed to git directly"]
    assert evidence(data, "notebooks")[0] == ".  1 notebook, none with error-severity findings"
    assert data["roadmap"] == {
        "level": 1,
        "name": "DevOps but no MLOps",
        "required": ["ci", "ci-tests"],
        "recommended": ["lint", "pre-commit", "documentation"],
    }
    gate(root, 0)


def test_level_1_ci_runs_tests_of_application_code(repo):
    root = repo(LEVEL_1)
    data = assess_json(root)
    assert (data["level"], data["name"], data["google_level"]) == (1, "DevOps but no MLOps", 0)
    assert set(gating(data)[1].values()) == {"PASS"}
    assert evidence(data, "ci") == [
        f"{at(LEVEL_1, '.github/workflows/ci.yml', 'push:')}  GitHub Actions: 4 steps, on push, "
        "pull_request"
    ]
    assert evidence(data, "ci-tests") == [
        f"{at(LEVEL_1, 'tests/test_io.py', 'def test_')}  1 test",
        f"{at(LEVEL_1, '.github/workflows/ci.yml', 'pytest')}  python -m pytest -q",
    ]
    assert evidence(data, "lint") == [
        f"{at(LEVEL_1, '.github/workflows/ci.yml', 'ruff')}  ruff check ."
    ]
    # the tests exist but touch no training code, and nothing is pinned
    assert gating(data)[2] == {
        "pinned-environment": "PARTIAL",
        "training-modules": "PARTIAL",
        "training-tests": "MISSING",
        "automated-training": "PARTIAL",
    }
    assert evidence(data, "pinned-environment") == [
        "requirements.txt:1  0 of 3 requirements pinned (`pandas>=2.0` is not)"
    ]
    assert data["roadmap"]["required"] == list(GATES[2])
    gate(root, 1)


def test_level_2_training_module_with_cli_tests_and_ci(repo):
    root = repo(LEVEL_2)
    data = assess_json(root)
    assert (data["level"], data["name"], data["google_level"]) == (2, "Automated Training", 1)
    assert set(gating(data)[2].values()) == {"PASS"}
    train = at(LEVEL_2, "churn/train.py", "model.fit").split(":")[1]
    assert evidence(data, "training-modules")[0] == (
        f"{at(LEVEL_2, 'churn/train.py', '__main__')}  `__main__` guard runs training "
        f"(`model.fit`, churn/train.py:{train}) with parameters (`argparse.ArgumentParser`)"
    )
    assert (
        f"{at(LEVEL_2, 'tests/test_train.py', 'from churn.train')}  imports churn/train.py, "
        f"which trains (`model.fit`, line {train})" in evidence(data, "training-tests")
    )
    assert evidence(data, "automated-training")[:1] == [
        f"{at(LEVEL_2, '.github/workflows/ci.yml', 'churn.train')}  python -m churn.train "
        "--n-estimators 10"
    ]
    assert evidence(data, "pinned-environment") == [
        "requirements.txt:1  3 of 3 requirements pinned"
    ]
    assert evidence(data, "seeds") == [
        f"{at(LEVEL_2, 'churn/train.py', 'def train')}  `def train(..., seed)`"
    ]
    assert gating(data)[3] == {
        "tracking": "MISSING",
        "model-registry": "MISSING",
        "deployment": "MISSING",
        "data-versioning": "PARTIAL",
    }
    assert data["roadmap"]["required"] == list(GATES[3])
    gate(root, 2)


def test_level_3_tracking_registry_release_and_dvc(repo):
    root = repo(LEVEL_3)
    data = assess_json(root)
    assert (data["level"], data["name"], data["google_level"]) == (
        3,
        "Automated Model Deployment",
        2,
    )
    assert set(gating(data)[3].values()) == {"PASS"}
    assert evidence(data, "tracking") == [
        f"{at(LEVEL_3, 'churn/train.py', 'log_metric')}  `mlflow.log_metric`"
    ]
    assert evidence(data, "model-registry")[0] == (
        f"{at(LEVEL_3, 'churn/train.py', 'registered_model_name')}  `mlflow.sklearn.log_model`"
    )
    assert evidence(data, "deployment") == [
        f"{at(LEVEL_3, '.github/workflows/release.yml', 'docker push')}  docker push "
        "registry.example.com/churn:${{ github.ref_name }}",
    ]
    assert evidence(data, "data-versioning") == [
        "data/churn.csv.dvc:1  DVC tracks `churn.csv`",
    ]
    assert gating(data)[4] == {"monitoring": "MISSING", "retraining-trigger": "MISSING"}
    assert data["roadmap"]["required"] == list(GATES[4])
    gate(root, 3)


def test_level_4_scheduled_drift_check_then_retraining(repo):
    root = repo(LEVEL_4)
    data = assess_json(root)
    assert (data["level"], data["name"], data["google_level"]) == (
        4,
        "Full MLOps Automated Operations",
        2,
    )
    assert set(gating(data)[4].values()) == {"PASS"}
    monitor = at(LEVEL_4, ".github/workflows/retrain.yml", "churn.monitor")
    retrain = at(LEVEL_4, ".github/workflows/retrain.yml", "churn.train")
    assert evidence(data, "monitoring")[0] == f"{monitor}  python -m churn.monitor data/latest.csv"
    assert evidence(data, "retraining-trigger")[0] == (
        f"{retrain}  retrains after the monitoring step at line {monitor.split(':')[1]}: "
        "python -m churn.train"
    )
    assert f"{at(LEVEL_4, '.github/workflows/retrain.yml', 'cron')}  schedule: 0 3 * * 1" in (
        evidence(data, "retraining-trigger")
    )
    assert data["roadmap"] is None
    gate(root, 4)
