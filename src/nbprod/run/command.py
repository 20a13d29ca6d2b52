"""The ``nbprod run``, ``nbprod batch`` and ``nbprod runs`` commands.

Only click is imported here: papermill, nbclient, dask and rich are imported when a command runs,
so ``nbprod --help`` stays fast. Exit codes: 0 ok, 1 a run failed (or a value could not be
collected), 2 bad input (unreadable notebook, bad parameter, missing kernel), 130 cancelled.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

STORE_HELP = "Run store directory (SQLite runs.db + output notebooks) [default: .nbprod]."


def _common(func: Any) -> Any:
    """Options shared by ``run`` and ``batch``."""
    options = [
        click.option(
            "-p",
            "--parameter",
            "parameters",
            nargs=2,
            multiple=True,
            metavar="NAME VALUE",
            help="Set a parameter; VALUE is typed by the default's type "
            "(`-p lr 0.1`, `-p tags '[\"a\"]'`).",
        ),
        click.option(
            "-f",
            "--parameters-file",
            type=click.Path(dir_okay=False),
            help="YAML mapping of parameter values (-p wins over it).",
        ),
        click.option(
            "--allow-unknown",
            is_flag=True,
            help="Pass parameters the parameters cell does not define.",
        ),
        click.option("--kernel", metavar="NAME", help="Kernel to use instead of the kernelspec."),
        click.option(
            "--cell-timeout",
            type=click.FloatRange(min=0, min_open=True),
            metavar="S",
            help="Fail a cell that runs longer than S seconds.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            metavar="S",
            help="Deadline for the whole run (the partial output is still written).",
        ),
        click.option(
            "--collect",
            multiple=True,
            metavar="NAME",
            help="Read NAME's value from the kernel after the last cell (JSON).",
        ),
        click.option("--store", type=click.Path(file_okay=False), default=None, help=STORE_HELP),
        click.option(
            "--mlflow",
            "mlflow_uri",
            metavar="URI",
            help="Also log parameters, collected values and the output notebook to "
            "this MLflow tracking URI (needs nbprod[mlflow]).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return click.argument("notebook", type=click.Path(dir_okay=False))(func)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@_common
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Also copy the output notebook here (overwritten).",
)
@click.option(
    "--list-params",
    is_flag=True,
    help="Print the notebook's parameters (name, type, default) and exit.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON on stdout.")
def run(notebook: str, list_params: bool, output: str | None, as_json: bool, **kw: Any) -> None:
    """Run NOTEBOOK once with papermill, with validated parameters, and record the run.

    \b
    Examples:
      nbprod run train.ipynb -p seed 1 -p lr 0.01 --collect accuracy
      nbprod run train.ipynb --list-params
      nbprod run report.ipynb --timeout 600 -o out/report.ipynb

    The run is recorded in the store (.nbprod/runs.db) with its parameters, status, timings,
    git commit, environment fingerprint and collected values; its output notebook is kept in
    .nbprod/runs/RUN_ID/. Collected values are printed on stdout, one `NAME = JSON` per line.
    """
    nb = _load(notebook)
    if list_params:
        _list_params(nb)
        return
    values = _values(nb, kw)
    from nbprod.run.grid import Point

    store, outcome = _execute(nb, [Point(values, "")], kw, jobs=1)
    record = outcome.runs[0]
    if output and record.status not in ("queued", "cancelled"):
        _copy(store.root / record.output, Path(output))
    if as_json:
        import dataclasses
        import json

        click.echo(json.dumps(dataclasses.asdict(record), indent=1, ensure_ascii=False))
    else:
        for line in _display().collect_lines(record):
            click.echo(line)
    click.echo(_display().status_line(record, store.root), err=True)
    _mlflow(kw, outcome, store)
    sys.exit(_exit_code(outcome))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@_common
@click.option(
    "--grid",
    "grid_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="YAML grid: `grid:` names -> lists (cartesian) and/or `points:` a list.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Runs in parallel [default: CPU count].",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where runs execute.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Dask scheduler to use (with --executor dask; default: a LocalCluster).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Skip points already run ok (same code, parameters and environment).",
)
def batch(
    notebook: str,
    grid_file: str,
    jobs: int | None,
    executor: str,
    scheduler: str | None,
    resume: bool,
    **kw: Any,
) -> None:
    """Run NOTEBOOK once per point of a parameter grid, in parallel.

    \b
    grid.yaml:
      grid:            # cartesian product
        seed: [1, 2, 3]
        lr: [0.1, 0.01]
      points:          # and/or explicit points
        - {seed: 7, lr: 1.0}

    Each run gets a fresh kernel, started while other runs execute. Output notebooks are named
    by their point. Ctrl-C stops every kernel and marks unfinished runs cancelled; after a crash,
    --resume runs only what is not done yet. `nbprod runs report BATCH -o report.html` plots
    the collected values against the parameters.
    """
    from nbprod.run.params import ParamError

    nb = _load(notebook)
    base = _values(nb, kw)
    from nbprod.run.grid import points, read_grid

    try:
        text = Path(grid_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{grid_file}: cannot read: {getattr(exc, 'strerror', None) or exc}")
    try:
        from nbprod.run.params import parameter_specs

        grid = read_grid(text, grid_file, parameter_specs(nb), kw["allow_unknown"])
    except ParamError as exc:
        _fail(str(exc))
    if scheduler and executor != "dask":
        _fail("--scheduler needs --executor dask")
    kw.update(executor=executor, scheduler=scheduler, resume=resume, grid=grid_file)
    store, outcome = _execute(
        nb,
        points([{**base, **p} for p in grid]),
        kw,
        jobs=jobs or os.cpu_count() or 1,
        progress=True,
    )
    display = _display()
    click.echo(display.summary(outcome.runs, kw["collect"]))
    took = time.time() - outcome.batch.created
    click.echo(
        f"batch {outcome.batch.id}: {len(outcome.runs)} runs: {display.counts(outcome.runs)} "
        f"in {took:.1f} s · outputs in {store.runs_dir} · "
        f"report: nbprod runs report {outcome.batch.id}{_store_arg(kw)} -o report.html",
        err=True,
    )
    _mlflow(kw, outcome, store)
    sys.exit(_exit_code(outcome))


# -- nbprod runs ---------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def runs() -> None:
    """Inspect recorded runs: list, show, compare, report."""


def _store_option(func: Any) -> Any:
    return click.option("--store", type=click.Path(file_okay=False), default=None, help=STORE_HELP)(
        func
    )


@runs.command("list")
@_store_option
@click.option("--batch", "batch_ref", metavar="BATCH", help="Only this batch (id or prefix).")
@click.option("--status", help="Only runs with this status (ok, failed, timeout, ...).")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True)
def list_runs(store: str | None, batch_ref: str | None, status: str | None, limit: int) -> None:
    """List runs, newest first."""
    run_store = _open_store(store, must_exist=True)
    batch_id = _batch(run_store, batch_ref).id if batch_ref else None
    records = run_store.runs(batch_id=batch_id, status=status, limit=None if batch_id else limit)
    click.echo(_display().run_list(records) if records else "no runs")


@runs.command("show")
@_store_option
@click.argument("run_ref", metavar="RUN")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
def show(store: str | None, run_ref: str, as_json: bool) -> None:
    """Show everything recorded about RUN (an id, a unique prefix, or `last`)."""
    run_store = _open_store(store, must_exist=True)
    record = _run(run_store, run_ref)
    if as_json:
        import dataclasses
        import json

        data = dataclasses.asdict(record)
        data["environment"] = run_store.environment(record.env_id)
        click.echo(json.dumps(data, indent=1, ensure_ascii=False))
        return
    click.echo(_display().run_details(record, run_store.environment(record.env_id), run_store.root))


@runs.command("compare")
@_store_option
@click.argument("run_refs", nargs=-1, required=True, metavar="RUN...")
def compare(store: str | None, run_refs: tuple[str, ...]) -> None:
    """Compare runs side by side (differing rows are marked *), with package differences."""
    if len(run_refs) < 2:
        _fail("compare needs at least two runs")
    run_store = _open_store(store, must_exist=True)
    records = [_run(run_store, ref) for ref in run_refs]
    envs = {r.env_id: run_store.environment(r.env_id) for r in records}
    click.echo(_display().compare(records, envs))


@runs.command("report")
@_store_option
@click.argument("batch_ref", metavar="BATCH")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="HTML file to write."
)
def report(store: str | None, batch_ref: str, output: str) -> None:
    """Write an HTML report of BATCH: parameters and collected values, and a plot of each
    collected value against each varied parameter."""
    from nbprod.run.report import render_report

    run_store = _open_store(store, must_exist=True)
    found = _batch(run_store, batch_ref)
    html = render_report(found, run_store.runs(batch_id=found.id))
    try:
        Path(output).write_text(html, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")
    click.echo(f"{output}: report of batch {found.id} ({found.notebook})", err=True)


# -- helpers ---------------------------------------------------------------------------------------


def _display() -> Any:
    from nbprod.run import display

    return display


def _fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def _load(path: str) -> Any:
    from nbprod.notebook import LoadError, load_notebook

    try:
        return load_notebook(path)
    except LoadError as exc:
        _fail(str(exc))


def _list_params(nb: Any) -> None:
    from nbprod.run.display import table
    from nbprod.run.params import parameter_specs

    specs = parameter_specs(nb)
    if nb.parameters_cell is None:
        click.echo(f"{nb.path}: no parameters cell (tag a code cell `parameters`)", err=True)
        return
    click.echo(f"{nb.path}: {len(specs)} parameters in cell {nb.parameters_cell.number}", err=True)
    rows = [[s.name, s.type, s.source or "-", s.help] for s in specs.values()]
    click.echo(table(["name", "type", "default", "help"], rows))


def _values(nb: Any, kw: dict[str, Any]) -> dict[str, Any]:
    """Validated parameter values from -f and -p; exits 2 with one line on the first error."""
    from nbprod.run.batch import check_parameters
    from nbprod.run.grid import read_params
    from nbprod.run.params import ParamError, parameter_specs, resolve

    specs = parameter_specs(nb)
    try:
        from_file: dict[str, Any] = {}
        if kw["parameters_file"]:
            path = kw["parameters_file"]
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                _fail(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            from_file = read_params(text, path, specs, kw["allow_unknown"])
        values = resolve(
            specs, from_file, texts=kw["parameters"], allow_unknown=kw["allow_unknown"]
        )
        check_parameters(nb, values)
    except ParamError as exc:
        _fail(f"{nb.path}: {exc}")
    for name in kw["collect"]:
        if not name.isidentifier():
            _fail(f"--collect {name!r}: not a Python identifier")
    return values


def _open_store(path: str | None, must_exist: bool = False) -> Any:
    from nbprod.run.store import DEFAULT_ROOT, RunStore, StoreError

    root = Path(path or os.environ.get("NBPROD_STORE") or DEFAULT_ROOT)
    if must_exist and not (root / "runs.db").is_file():
        _fail(f"{root}: no run store here (run `nbprod run` or `nbprod batch` first, or --store)")
    try:
        return RunStore(root)
    except StoreError as exc:
        _fail(str(exc))


def _run(store: Any, ref: str) -> Any:
    from nbprod.run.store import StoreError

    try:
        return store.run(ref)
    except StoreError as exc:
        _fail(str(exc))


def _batch(store: Any, ref: str) -> Any:
    from nbprod.run.store import StoreError

    try:
        return store.batch(ref)
    except StoreError as exc:
        _fail(str(exc))


def _execute(nb: Any, points: list, kw: dict[str, Any], jobs: int, progress: bool = False):
    from nbprod.run import zygote

    if kw.get("executor", "local") == "local" and nb.is_python and len(points) > jobs:
        # the kernel template's imports are the longest wait before the first kernel: start it
        # for the usual kernels' interpreter now; the pool checks it is theirs
        zygote.start_early(sys.executable)
    try:
        return _run_points(nb, points, kw, jobs, progress)
    finally:
        zygote.discard_early()


def _run_points(nb: Any, points: list, kw: dict[str, Any], jobs: int, progress: bool):
    from nbprod.run.batch import Options, command_line, run_points
    from nbprod.run.kernels import KernelError

    if kw.get("mlflow_uri"):
        from nbprod.run.tracking import check_available

        try:
            check_available()
        except RuntimeError as exc:
            _fail(str(exc))
    store = _open_store(kw["store"])
    options = Options(
        kernel=kw["kernel"],
        jobs=jobs,
        executor=kw.get("executor", "local"),
        scheduler=kw.get("scheduler"),
        collect=tuple(kw["collect"]),
        cell_timeout=kw["cell_timeout"],
        timeout=kw["timeout"],
        resume=kw.get("resume", False),
        command=command_line(),
        grid=kw.get("grid", ""),
    )
    display = None
    if progress:
        display = _display().Progress(f"{Path(nb.path).name} × {len(points)}")
    try:
        outcome = run_points(nb, points, store, options, on_event=display)
    except KernelError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:  # before any run was recorded
        _fail("cancelled", 130)
    finally:
        if display is not None:
            display.stop()
    if outcome.cancelled:
        from nbprod.run.display import counts

        click.echo(f"cancelled: {counts(outcome.runs)} (batch {outcome.batch.id})", err=True)
        sys.exit(130)
    return store, outcome


def _copy(source: Path, target: Path) -> None:
    import shutil

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except OSError as exc:
        click.echo(f"{target}: cannot write the output notebook: {exc.strerror or exc}", err=True)


def _mlflow(kw: dict[str, Any], outcome: Any, store: Any) -> None:
    if not kw.get("mlflow_uri"):
        return
    from nbprod.run.tracking import log_runs

    try:
        count = log_runs(kw["mlflow_uri"], outcome, store.root)
    except Exception as exc:  # the tracking server's errors are many: report, keep the exit code
        click.echo(f"--mlflow {kw['mlflow_uri']}: not logged: {exc}".splitlines()[0], err=True)
        return
    click.echo(f"--mlflow {kw['mlflow_uri']}: logged {count} run(s)", err=True)


def _store_arg(kw: dict[str, Any]) -> str:
    """`` --store PATH`` when the command named one, for the commands it suggests."""
    import shlex

    return f" --store {shlex.quote(kw['store'])}" if kw.get("store") else ""


def _exit_code(outcome: Any) -> int:
    return 0 if outcome.succeeded else 1
