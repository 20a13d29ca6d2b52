"""One run: a notebook, validated parameters and a started kernel in; an outcome out.

papermill does the work through its engine registry: nbprod registers an ``nbprod`` engine whose
notebook client (a ``PapermillNotebookClient``) records what really happened, where papermill
alone does not:

* a cell timeout is a ``timeout`` with its cell (papermill records it as ``completed``);
* ``--timeout`` is a deadline for the whole run: each cell's timeout is what is left of it, and
  the partial output notebook is still written;
* a dead kernel is ``killed`` (with the signal), ``sys.exit()`` is ``exited`` (with the code);
* after the last cell, ``--collect`` names are read from the still-running kernel with a silent
  request (``user_expressions``, JSON-encoded in the kernel), so the output notebook is unchanged.

Parameters are injected as a cell rendered by :func:`nbprod.run.params.render`, never by
papermill's translators. The kernel comes from a :class:`~nbprod.run.kernels.KernelPool`, so
kernel start-up is paid while other runs execute; it is released (shut down) after the run.

The output notebook is written when the run starts and when it ends, and in between at most
every 30 s (papermill's autosave interval inside a long cell), where papermill writes it before
and after every cell, validated against nbformat's schema each time: CPU that grows with the
notebook, twice per cell, for a file read once the run is over. Nor is the notebook validated
when a run reads it: nbprod's loader validated it, nbformat's repairs are made once per batch
(:func:`run_text`), and a run only adds what nbformat's and nbclient's constructors make.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from nbprod.run.params import INJECTED_TAG, render

STATUSES = ("ok", "failed", "timeout", "killed", "exited", "cancelled", "skipped")
ENGINE = "nbprod"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: a JSON encoder run in the kernel for --collect (numpy and pandas values via .tolist())
_ENCODE = (
    "__import__('json').dumps({name}, default=lambda o: o.tolist() "
    "if hasattr(o, 'tolist') else repr(o))"
)


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs; picklable, so a Dask worker can run it from another machine."""

    run_id: str
    notebook: str  # path, for messages and the output's metadata
    text: str  # the notebook as nbformat 4 JSON, from run_text()
    parameters: Mapping[str, Any]
    kernel: str
    cwd: str
    output: str  # where the output notebook is written
    collect: tuple[str, ...] = ()
    cell_timeout: float | None = None
    timeout: float | None = None
    start_timeout: float = 60.0
    metadata: Mapping[str, Any] = field(default_factory=dict)  # -> output's metadata.nbprod


@dataclass
class RunResult:
    """What happened. ``cell`` is the input notebook's cell number (1-based, all cells)."""

    run_id: str
    status: str = "ok"
    cell: int | None = None
    error: str = ""
    collected: dict[str, Any] = field(default_factory=dict)
    collect_errors: dict[str, str] = field(default_factory=dict)
    started: float = 0.0  # epoch seconds
    ended: float = 0.0
    kernel_s: float = 0.0
    exec_s: float = 0.0
    worker: str = ""
    exit_code: str | None = None  # the sys.exit() argument of an ``exited`` run
    output_text: str | None = None  # filled for executors on other machines


class _Run:
    """Mutable state of a run in progress, shared with the notebook client."""

    def __init__(self, spec: RunSpec, cancelled: threading.Event, kernels: Kernels):
        self.spec, self.cancelled, self.kernels = spec, cancelled, kernels
        self.result = RunResult(spec.run_id, worker=f"{socket.gethostname()}:{os.getpid()}")
        self.result.started = time.time()
        self.ready = self.t0 = time.monotonic()
        self.deadline = None if spec.timeout is None else self.t0 + spec.timeout
        self.injected: int | None = None  # index of the injected cell
        self.shift_from: int | None = None  # executed index from which numbers shift by one
        self.km: Any = None

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def cell_timeout(self, cell: Any) -> float | None:
        """nbclient's per-cell timeout: the cell timeout or what is left of the deadline."""
        limits = [t for t in (self.spec.cell_timeout, self.left()) if t is not None]
        return max(min(limits), 0.01) if limits else None

    def number(self, index: int) -> int | None:
        """The input notebook's cell number of an executed cell index."""
        if index == self.injected:
            return None
        shift = self.shift_from is not None and index >= self.shift_from
        return index if shift else index + 1

    def stop(self, status: str, index: int | None, error: str) -> None:
        if self.cancelled.is_set():
            status, error = "cancelled", "cancelled"
        self.result.status, self.result.error = status, error
        self.result.cell = self.number(index) if index is not None else None


class Kernels(Protocol):
    """Where a run gets its kernel (a :class:`~nbprod.run.kernels.KernelPool` or a wrapper)."""

    def take(self, timeout: float | None) -> Any: ...  # a started kernel manager

    def ready(self, km: Any) -> None: ...  # the kernel answered

    def release(self, km: Any, now: bool) -> None: ...  # dispose of it (now: kill)


def execute_run(
    spec: RunSpec,
    kernels: Kernels,
    cancelled: threading.Event | None = None,
    return_output: bool = False,
) -> RunResult:
    """Run one notebook on a kernel from ``kernels``; never raises for anything the notebook or
    the kernel does: the outcome is in the result."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors

    _register_engine()
    run = _Run(spec, cancelled or threading.Event(), kernels)
    nb = _prepare(nbformat.v4.reads(spec.text), spec, run)
    nb = prepare_notebook_metadata(nb, spec.notebook, spec.output)
    try:
        run.km = kernels.take(run.left())
        run.ready = time.monotonic()
        left = run.left()
        start_timeout = spec.start_timeout if left is None else min(spec.start_timeout, left)
        nb = _engine_run(nb, spec, run, max(int(start_timeout), 1))
        try:
            raise_for_execution_errors(nb, spec.output)  # papermill's error markers in the output
        except PapermillExecutionError:
            pass  # the status is already known, and more precisely
    except Exception as exc:  # kernel did not start, or the client failed outside a cell
        left = run.left()
        if run.result.status != "ok":
            pass  # the cell loop already said what happened
        elif left is not None and left <= 0:
            run.stop("timeout", None, _deadline_message(spec) + " before the kernel was ready")
        else:
            run.stop("failed", None, f"kernel {spec.kernel!r}: {first_line(exc)}")
        if not os.path.exists(spec.output):  # the output notebook always exists
            write_notebook(nb, spec.output)
    finally:
        if run.km is not None:
            kernels.release(run.km, run.result.status != "ok")
    end = time.monotonic()
    run.result.ended = run.result.started + (end - run.t0)
    run.result.kernel_s = run.ready - run.t0
    run.result.exec_s = end - run.ready
    if return_output:
        try:
            with open(spec.output, encoding="utf-8") as f:
                run.result.output_text = f.read()
        except OSError:
            run.result.output_text = None
    return run.result


def run_text(data: Mapping[str, Any]) -> str:
    """A loaded notebook's data as every run of a batch starts from it (``RunSpec.text``): the
    repairs nbformat's validation would make in each run (duplicate cell ids made unique) made
    once."""
    from nbformat.validator import normalize

    return json.dumps(normalize(data)[1])


def write_notebook(nb: Any, path: str) -> None:
    """Write an output notebook as papermill does, without validating it again; atomically, so a
    notebook read while its run goes on is never half-written."""
    import nbformat

    tmp = f"{path}.{threading.get_ident()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(nbformat.v4.writes(nb))
    os.replace(tmp, path)


def _prepare(nb: Any, spec: RunSpec, run: _Run) -> Any:
    """Inject the parameters cell (replacing a previous injection, else after the parameters
    cell, else on top) and set papermill's and nbprod's metadata."""
    from nbformat import from_dict
    from nbformat.v4.nbbase import random_cell_id

    tags = [c.get("metadata", {}).get("tags", []) for c in nb.cells]
    injected = next((i for i, t in enumerate(tags) if INJECTED_TAG in t), None)
    params = next((i for i, t in enumerate(tags) if "parameters" in t), None)
    if spec.parameters:
        # what nbformat.v4.new_code_cell makes, without validating it: that compiles nbformat's
        # whole schema first (≈70 ms of CPU, in every run thread that starts at once)
        cell = from_dict(
            {
                "id": random_cell_id(),
                "cell_type": "code",
                "metadata": {"tags": [INJECTED_TAG]},
                "execution_count": None,
                "source": render(spec.parameters),
                "outputs": [],
            }
        )
        if injected is not None:
            nb.cells[injected] = cell
            run.injected = injected
        else:
            run.injected = params + 1 if params is not None else 0
            nb.cells.insert(run.injected, cell)
            run.shift_from = run.injected + 1
    nb.metadata["papermill"] = {
        "default_parameters": {},
        "parameters": dict(spec.parameters),
        "environment_variables": {},
        "version": _papermill_version(),
    }
    nb.metadata["nbprod"] = {"run_id": spec.run_id, **spec.metadata}
    for c in nb.cells:
        c.metadata.setdefault("papermill", {})
    return nb


def _engine_run(nb: Any, spec: RunSpec, run: _Run, start_timeout: int) -> Any:
    from papermill.engines import papermill_engines

    return papermill_engines.execute_notebook_with_engine(
        ENGINE,
        nb,
        kernel_name=spec.kernel,
        output_path=spec.output,
        start_timeout=start_timeout,
        km=run.km,
        nbprod_run=run,
    )


_registered = False


def _register_engine() -> None:
    """Register the ``nbprod`` papermill engine (once per process)."""
    global _registered
    if _registered:
        return
    import logging

    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    logger = logging.getLogger("nbprod.run.client")  # nbclient's own logging: the result says it
    logger.addHandler(logging.NullHandler())
    logger.propagate = False

    class Client(PapermillNotebookClient):
        """papermill's client, recording the true outcome and collecting values at the end."""

        def __init__(self, nb_man: Any, run: _Run, **kw: Any):
            super().__init__(nb_man, **kw)
            self.run = run

        def execute(self, **kwargs: Any) -> Any:
            self.reset_execution_trackers()
            try:
                with self.setup_kernel(**kwargs):
                    self.run.ready = time.monotonic()
                    self.run.kernels.ready(self.km)
                    self.papermill_execute_cells()
                    if self.run.result.status == "ok":
                        if "language_info" in self.kc.info:  # from the kernel's first answer
                            self.nb.metadata["language_info"] = self.kc.info["language_info"]
                        self._collect()
                    self.set_widgets_metadata()
            finally:
                if self.kc is not None:  # the kernel is not ours to stop, its client is
                    self.kc.stop_channels()
            return self.nb

        def papermill_execute_cells(self) -> None:
            from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

            run = self.run
            for index, cell in enumerate(self.nb.cells):
                left = run.left()
                if left is not None and left <= 0 and cell.cell_type == "code":
                    run.stop("timeout", index, _deadline_message(run.spec))
                    break
                try:
                    self.nb_man.cell_start(cell, index)
                    self.execute_cell(cell, index)
                except CellExecutionError as exc:
                    self.nb_man.cell_exception(cell, cell_index=index, exception=exc)
                    _classify(run, index, cell, exc)
                    break
                except CellTimeoutError as exc:
                    _cancel_pending_tasks()  # nbclient leaves its output poller pending
                    expired = run.left() is not None and run.left() <= 0.02
                    message = (
                        _deadline_message(run.spec)
                        if expired
                        else f"cell ran longer than {run.spec.cell_timeout:g} s (--cell-timeout)"
                    )
                    _error_output(cell, "TimeoutError", message)
                    self.nb_man.cell_exception(cell, cell_index=index, exception=exc)
                    run.stop("timeout", index, message)
                    break
                except DeadKernelError as exc:
                    from nbprod.run.kernels import exit_description

                    how = exit_description(run.km)
                    message = "the kernel died" + (f" ({how})" if how else "")
                    _error_output(cell, "DeadKernelError", message)
                    self.nb_man.cell_exception(cell, cell_index=index, exception=exc)
                    run.stop("killed", index, message)
                    break
                finally:
                    self.nb_man.cell_complete(cell, cell_index=index)
                if run.cancelled.is_set():
                    run.stop("cancelled", index, "cancelled")
                    break

        def _collect(self) -> None:
            names = self.run.spec.collect
            if not names:
                return
            expressions = {name: _ENCODE.format(name=name) for name in names}
            msg_id = self.kc.execute(
                "", silent=True, store_history=False, user_expressions=expressions
            )
            reply = self.wait_for_reply(msg_id) or {}
            found = reply.get("content", {}).get("user_expressions", {})
            for name in names:
                self._collect_one(name, found.get(name) or {})

        def _collect_one(self, name: str, item: Mapping[str, Any]) -> None:
            import ast

            result = self.run.result
            if item.get("status") != "ok":
                detail = f"{item.get('ename', 'no reply')}: {item.get('evalue', '')}".rstrip(": ")
                result.collect_errors[name] = detail
                return
            try:
                text = ast.literal_eval(item["data"]["text/plain"])
                result.collected[name] = json.loads(text)
            except (KeyError, ValueError, SyntaxError, TypeError) as exc:
                result.collect_errors[name] = f"cannot decode the value: {first_line(exc)}"

    class Output(NotebookExecutionManager):
        """papermill's execution manager, writing the output notebook when the run starts and
        ends, and in between at most every ``autosave_cell_every`` seconds."""

        force = True  # the next save writes, whenever it comes: the first and the last one

        def save(self, **kwargs: Any) -> None:
            due = (self.now() - self.last_save_time).total_seconds() >= self.autosave_cell_every
            if self.output_path and (self.force or due):
                write_notebook(self.nb, self.output_path)
                self.last_save_time, self.force = self.now(), False

        def notebook_complete(self, **kwargs: Any) -> None:
            self.force = True
            super().notebook_complete(**kwargs)

    class Engine(NBClientEngine):
        """papermill's nbclient engine, with nbprod's execution manager and client."""

        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, **kwargs):
            run = kwargs["nbprod_run"]
            nb_man = Output(nb, output_path=output_path, progress_bar=False)
            nb_man.notebook_start()
            try:
                Client(
                    nb_man,
                    run,
                    km=kwargs["km"],
                    kernel_name=kernel_name,
                    startup_timeout=kwargs.get("start_timeout", 60),
                    timeout_func=run.cell_timeout,
                    log=logger,
                ).execute()
            finally:
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE, Engine)
    _registered = True


def _classify(run: _Run, index: int, cell: Any, exc: Any) -> None:
    """Status of a cell that raised: ``exited`` (with the code) for ``sys.exit()``, else
    ``failed`` with the error and the cell line it was raised on."""
    ename, evalue = getattr(exc, "ename", "Error"), getattr(exc, "evalue", "")
    if ename == "SystemExit":
        code = evalue.strip() if evalue.strip() not in ("", "None") else "0"
        run.stop("exited", index, f"sys.exit({code}) stopped the run")
        run.result.exit_code = code
        return
    line = _error_line(cell)
    where = f"line {line}: " if line else ""
    run.stop("failed", index, f"{where}{ename}: {evalue}".rstrip(": ").rstrip())


def _error_line(cell: Any) -> int | None:
    """The cell line an error was raised on, from IPython's ``Cell In[N], line L`` frame."""
    count = cell.get("execution_count")
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        text = _ANSI.sub("", "\n".join(output.get("traceback", [])))
        for number, line in re.findall(r"Cell In\[(\d+)\], line (\d+)", text):
            if count is None or int(number) == count:
                return int(line)
    return None


def _cancel_pending_tasks() -> None:
    """Cancel the tasks nbclient left pending in this thread's event loop (they would be reported
    as "Task was destroyed but it is pending!" when the loop is collected)."""
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks and not loop.is_running():
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def _error_output(cell: Any, ename: str, evalue: str) -> None:
    import nbformat

    cell.setdefault("outputs", []).append(
        nbformat.v4.new_output(
            "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
        )
    )


def _deadline_message(spec: RunSpec) -> str:
    return f"the whole-run deadline of {spec.timeout:g} s passed (--timeout)"


def _papermill_version() -> str:
    from papermill.version import version

    return version


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
