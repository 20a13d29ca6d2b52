"""Batches: plan runs from points, skip those already done, execute them, record everything.

A single ``nbprod run`` is a batch of one point, so both commands share one path: the same
records, the same statuses, the same Ctrl-C handling. The store is written from this (the main)
thread only, as events arrive from the executor.

Python API::

    from nbprod.run import run_notebook, run_batch
    record = run_notebook("train.ipynb", {"lr": 0.1}, collect=["accuracy"])
    outcome = run_batch("train.ipynb", [{"lr": 0.1}, {"lr": 0.01}], jobs=2)
"""

from __future__ import annotations

import shlex
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from nbprod.run.grid import Point, file_stem
from nbprod.run.grid import points as label_points
from nbprod.run.params import ParamError, parameter_specs, resolve
from nbprod.run.store import BatchRecord, RunRecord, RunStore

OnEvent = Callable[[str, Any], None]


@dataclass
class BatchOutcome:
    batch: BatchRecord
    runs: list[RunRecord] = field(default_factory=list)
    cancelled: bool = False

    @property
    def succeeded(self) -> bool:
        return not self.cancelled and all(r.succeeded and not r.collect_errors for r in self.runs)


@dataclass(frozen=True)
class Options:
    """How to run: the same for every point of a batch."""

    kernel: str | None = None
    jobs: int = 1
    executor: str = "local"
    scheduler: str | None = None
    collect: tuple[str, ...] = ()
    cell_timeout: float | None = None
    timeout: float | None = None
    resume: bool = False
    command: str = ""
    grid: str = ""


def check_parameters(nb: Any, values: Mapping[str, Any]) -> None:
    """Parameters are rendered as Python: refuse them for notebooks in another language."""
    if values and not nb.is_python:
        raise ParamError(
            f"parameters are supported for Python notebooks only (this one is {nb.language})"
        )


def run_points(
    nb: Any, points: list[Point], store: RunStore, options: Options, on_event: OnEvent | None = None
) -> BatchOutcome:
    """Run a notebook once per point. Raises KernelError when the kernel is not installed."""
    from nbprod.run.execute import run_text
    from nbprod.run.executors import EXECUTORS
    from nbprod.run.kernels import resolve_kernel
    from nbprod.run.provenance import content_key, git_state, normalised_code, sha256

    emit = on_event or (lambda kind, payload: None)
    if options.executor == "local":
        kernel = resolve_kernel(nb, options.kernel)
    else:
        kernel = options.kernel or nb.kernel_name or "python3"
    batch = BatchRecord(
        id=store.new_id("b-"),
        notebook=str(nb.path),
        grid=options.grid,
        command=options.command,
        executor=options.executor,
        jobs=options.jobs,
        created=time.time(),
    )
    executor = EXECUTORS[options.executor](
        jobs=options.jobs,
        scheduler=options.scheduler,
        batch_id=batch.id,
        kernel=kernel,
        cwd=str(Path(nb.path).resolve().parent),
        total=len(points),
    )
    outcome = BatchOutcome(batch)
    try:
        env = executor.environment(kernel)
        commit, dirty = git_state(Path(nb.path).resolve())
        code = normalised_code(nb.data)
        defaults = {n: s.default for n, s in parameter_specs(nb).items() if s.type != "any"}
        text = run_text(nb.data)
        now = time.time()
        for point in points:
            run_id = store.new_id()
            output = Path("runs") / run_id / f"{file_stem(Path(nb.path).stem, point.label)}.ipynb"
            record = RunRecord(
                id=run_id,
                batch_id=batch.id,
                label=point.label,
                notebook=str(nb.path),
                notebook_sha256=sha256(nb.text),
                parameters=dict(point.values),
                defaults=defaults,
                env_id=env["id"],
                git_commit=commit,
                git_dirty=dirty,
                kernel=kernel,
                queued=now,
                content_key=content_key(code, kernel, point.values, env["id"]),
                executor=options.executor,
                output=str(output),
            )
            prior = store.done(record.content_key) if options.resume else None
            if prior is not None and set(options.collect) <= set(prior.collected):
                record.status, record.reused_from = "skipped", prior.id
                record.collected, record.output = prior.collected, prior.output
            outcome.runs.append(record)
        store.add_batch(batch)
        store.add_environment(env)
        store.add_runs(outcome.runs)
        emit("planned", outcome)
        todo = [r for r in outcome.runs if r.status == "queued"]
        specs = [_spec(r, nb, text, store, options) for r in todo]
        if specs:
            executor.submit(specs)
            _follow(executor, {r.id: r for r in todo}, store, emit, outcome)
    finally:
        executor.close()
        status = "cancelled" if outcome.cancelled else "done"
        if outcome.runs:
            store.end_batch(batch.id, status)
        batch.status = status
    return outcome


def _spec(record: RunRecord, nb: Any, text: str, store: RunStore, options: Options):
    from nbprod.run.execute import RunSpec

    output = (store.root / record.output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    return RunSpec(
        run_id=record.id,
        notebook=str(nb.path),
        text=text,
        parameters=record.parameters,
        kernel=record.kernel,
        cwd=str(Path(nb.path).resolve().parent),
        output=str(output),
        collect=options.collect,
        cell_timeout=options.cell_timeout,
        timeout=options.timeout,
        metadata={"batch_id": record.batch_id, "label": record.label},
    )


def _follow(
    executor: Any, todo: dict[str, RunRecord], store: RunStore, emit: OnEvent, outcome: BatchOutcome
) -> None:
    """Record events as they arrive; on Ctrl-C, stop every kernel and mark the rest cancelled.

    For executors that do not report starts (Dask), the display is told that runs start in
    submission order as slots free up; the store records only what is known."""
    waiting = [] if executor.reports_starts else list(todo.values())
    for record in waiting[: executor.jobs]:
        emit("started", record)
    try:
        for event in executor.events():
            _apply(event, todo, store, emit)
            if event[0] == "finished" and len(waiting) > executor.jobs:
                emit("started", waiting.pop(executor.jobs))
    except KeyboardInterrupt:
        outcome.cancelled = True
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            emit("cancelling", outcome)
            executor.cancel()
            deadline = time.monotonic() + 15
            for event in executor.events():
                _apply(event, todo, store, emit)
                if time.monotonic() > deadline:
                    break
            for record in todo.values():
                if record.status in ("queued", "running"):
                    record.status, record.error = "cancelled", "cancelled"
                    store.update_run(record.id, status="cancelled", error="cancelled")
        finally:
            signal.signal(signal.SIGINT, previous)


def _apply(event: tuple, todo: dict[str, RunRecord], store: RunStore, emit: OnEvent) -> None:
    kind = event[0]
    if kind == "started":
        record = todo[event[1]]
        record.status, record.started = "running", event[2]
        record.queue_s = max(event[2] - (record.queued or event[2]), 0.0)
        store.update_run(
            record.id, status="running", started=record.started, queue_s=record.queue_s
        )
        emit("started", record)
    elif kind == "finished":
        result = event[1]
        record = todo[result.run_id]
        record.status, record.cell, record.error = result.status, result.cell, result.error
        record.exit_code, record.worker = result.exit_code, result.worker
        record.collected, record.collect_errors = result.collected, result.collect_errors
        if result.started:
            record.started, record.ended = result.started, result.ended
            record.queue_s = max(result.started - (record.queued or result.started), 0.0)
            record.kernel_s, record.exec_s = result.kernel_s, result.exec_s
        store.update_run(
            record.id,
            status=record.status,
            cell=record.cell,
            error=record.error,
            exit_code=record.exit_code,
            worker=record.worker,
            collected=record.collected,
            collect_errors=record.collect_errors,
            started=record.started,
            ended=record.ended,
            queue_s=record.queue_s,
            kernel_s=record.kernel_s,
            exec_s=record.exec_s,
        )
        emit("finished", record)
    else:
        emit(kind, None)


# -- Python API ------------------------------------------------------------------------------------


def run_notebook(
    path: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    store: str | Path = ".nbprod",
    allow_unknown: bool = False,
    **options: Any,
) -> RunRecord:
    """Run a notebook once; returns its record. Raises LoadError, ParamError or KernelError for
    bad input, before anything runs."""
    from nbprod.notebook import load_notebook

    nb = load_notebook(path)
    values = resolve(parameter_specs(nb), parameters or {}, allow_unknown=allow_unknown)
    check_parameters(nb, values)
    run_store = RunStore(store)
    try:
        opts = Options(**{**options, "collect": tuple(options.get("collect", ()))})
        outcome = run_points(nb, [Point(values, "")], run_store, opts)
    finally:
        run_store.close()
    if outcome.cancelled:
        raise KeyboardInterrupt
    return outcome.runs[0]


def run_batch(
    path: str | Path,
    points: Iterable[Mapping[str, Any]],
    *,
    store: str | Path = ".nbprod",
    allow_unknown: bool = False,
    **options: Any,
) -> BatchOutcome:
    """Run a notebook once per point (each a mapping of parameter values)."""
    from nbprod.notebook import load_notebook

    nb = load_notebook(path)
    specs = parameter_specs(nb)
    values = [resolve(specs, p, allow_unknown=allow_unknown) for p in points]
    for v in values:
        check_parameters(nb, v)
    run_store = RunStore(store)
    try:
        opts = Options(**{**options, "collect": tuple(options.get("collect", ()))})
        return run_points(nb, label_points(values), run_store, opts)
    finally:
        run_store.close()


def command_line() -> str:
    """This process's command line, for the batch record."""
    return shlex.join(["nbprod", *sys.argv[1:]])
