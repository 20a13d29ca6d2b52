"""The commands' surface: help without heavy imports, and MLflow logging to a local file store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: what run/batch/runs need only when they run (lint's and assess's help may import their own)
HEAVY = [
    "dask",
    "distributed",
    "jupyter_client",
    "mlflow",
    "nbclient",
    "papermill",
    "rich",
    "sqlite3",
    "zmq",
]


def test_help_of_every_command_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from nbprod.cli import cli\n"
        "for args in ([], ['run'], ['batch'], ['runs'], ['runs', 'list'], ['runs', 'report']):\n"
        "    result = CliRunner().invoke(cli, [*args, '--help'])\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "\n", "")


@pytest.mark.slow
def test_mlflow_logs_parameters_values_and_output_notebooks(
    notebook, nbprod, tmp_path, monkeypatch
):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # undone after the test
    from mlflow.tracking import MlflowClient

    from tests.run.conftest import store_rows

    notebook("acc = a / 10\nlabel = name * 2")
    (tmp_path / "grid.yaml").write_text("a: [1, 2]\n")
    uri = (tmp_path / "mlruns").as_uri()
    result = nbprod(
        "batch",
        "nb.ipynb",
        "--grid",
        "grid.yaml",
        "-j",
        "2",
        "--collect",
        "acc",
        "--collect",
        "label",
        "--mlflow",
        uri,
    )
    assert result.code == 0, result.err
    assert result.err.splitlines()[-1] == f"--mlflow {uri}: logged 2 run(s)"
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("nb")
    logged = {
        r.data.tags["nbprod.run_id"]: r for r in client.search_runs([experiment.experiment_id])
    }
    for row in store_rows(tmp_path / ".nbprod"):
        run = logged[row["id"]]
        a = json.loads(row["parameters"])["a"]
        assert run.info.status == "FINISHED" and run.info.run_name == row["label"]
        assert run.data.params == {  # every parameter: the defaults, with a set on top
            "a": str(a),
            "b": "0.05",
            "name": '"x"',
            "flag": "false",
            "version": '"1.0"',
            "items": "[1, 2]",
        }
        assert run.data.metrics == {"acc": a / 10}
        assert run.data.tags["collected.label"] == '"xx"'
        assert run.data.tags["nbprod.batch_id"] == row["batch_id"]
        artifacts = [f.path for f in client.list_artifacts(run.info.run_id)]
        assert artifacts == [f"nb-a={a}.ipynb"]
