"""``--mlflow URI``: log runs to an MLflow tracking store (extra ``nbprod[mlflow]``).

One MLflow run per nbprod run, in the experiment named after the notebook: every parameter's
value (defaults with the values set on top) as params, numeric collected values as metrics
(others as ``collected.NAME`` tags), the status, ids and git commit as tags, and the output
notebook as an artifact.

MLflow 3 keeps its file store (``file:`` URIs, plain paths) in maintenance mode behind
``MLFLOW_ALLOW_FILE_STORE``; a user who names a file store asked for it, so it is allowed here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

_STATUS = {"ok": "FINISHED", "skipped": "FINISHED", "exited": "FINISHED", "cancelled": "KILLED"}


def check_available() -> None:
    """Raise RuntimeError with an install hint when MLflow is missing."""
    import importlib.util

    if importlib.util.find_spec("mlflow") is None:
        raise RuntimeError("--mlflow needs MLflow: pip install 'nbprod[mlflow]'")


def log_runs(uri: str, outcome: Any, store_root: Path) -> int:
    """Log every finished run of a batch outcome; returns how many were logged."""
    if "://" not in uri or uri.startswith("file:"):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    name = Path(outcome.batch.notebook).stem
    experiment = client.get_experiment_by_name(name)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(name)
    logged = 0
    for record in outcome.runs:
        if record.status in ("queued", "running"):
            continue
        tags = {
            "mlflow.runName": record.label or record.id,
            "nbprod.run_id": record.id,
            "nbprod.batch_id": record.batch_id,
            "nbprod.status": record.status,
            "nbprod.notebook": record.notebook,
            "nbprod.notebook_sha256": record.notebook_sha256,
            "nbprod.env_id": record.env_id,
            "nbprod.kernel": record.kernel,
        }
        if record.git_commit:
            tags["mlflow.source.git.commit"] = record.git_commit
        if record.error:
            tags["nbprod.error"] = record.error[:5000]
        numbers, others = _split(record.collected)
        tags.update({f"collected.{k}": json.dumps(v)[:5000] for k, v in others.items()})
        run = client.create_run(experiment_id, start_time=_ms(record.started), tags=tags)
        run_id = run.info.run_id
        timestamp = _ms(record.ended) or 0
        client.log_batch(
            run_id,
            params=[Param(k, json.dumps(v)[:6000]) for k, v in record.effective.items()],
            metrics=[Metric(k, v, timestamp, 0) for k, v in numbers.items()],
        )
        output = store_root / record.output
        if output.is_file():
            client.log_artifact(run_id, str(output))
        client.set_terminated(
            run_id, _STATUS.get(record.status, "FAILED"), end_time=_ms(record.ended)
        )
        logged += 1
    return logged


def _split(values: dict[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    numbers = {
        k: float(v)
        for k, v in values.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    return numbers, {k: v for k, v in values.items() if k not in numbers}


def _ms(epoch: float | None) -> int | None:
    return int(epoch * 1000) if epoch else None
