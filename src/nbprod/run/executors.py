"""Executors: where runs execute. A registry, so a new one is a class and a line in EXECUTORS.

Every executor takes :class:`~nbprod.run.execute.RunSpec` values and reports events
(``("started", run_id, epoch)`` when it knows, ``("finished", RunResult)`` always); the batch
records them the same whatever the executor.

* ``local``: threads in this process, kernels from one :class:`~nbprod.run.kernels.KernelPool`
  (``jobs`` running, ``jobs`` more starting while they run).
* ``dask``: tasks on a Dask cluster (``--scheduler tcp://HOST:PORT``, or a LocalCluster of
  ``jobs`` single-threaded workers); each worker keeps a small pool of pre-started kernels and
  returns the output notebook's text, so workers need not share the client's file system.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import time
from typing import Any, Iterator

from nbprod.run.execute import RunResult, RunSpec, execute_run, first_line

Event = tuple


class LocalExecutor:
    """Runs in ``jobs`` threads of this process."""

    name = "local"
    reports_starts = True

    def __init__(self, jobs: int, kernel: str, cwd: str, total: int, **_: Any):
        from concurrent.futures import ThreadPoolExecutor

        from nbprod.run.kernels import KernelPool

        self.jobs = jobs
        # kernels start now, while the batch is planned; submit() says how many are needed
        self.pool = KernelPool(kernel, cwd, spares=jobs, limit=total)
        self.threads = ThreadPoolExecutor(jobs, thread_name_prefix="nbprod-run")
        self.cancelled = threading.Event()
        self.queue: queue.Queue = queue.Queue()
        self.count = self.finished = 0

    def environment(self, kernel: str) -> dict[str, Any]:
        from nbprod.run.kernels import kernel_command
        from nbprod.run.provenance import environment

        return environment(kernel_command(kernel))

    def submit(self, specs: list[RunSpec]) -> None:
        self.pool.limit(len(specs))  # fewer than planned when --resume skips some
        self.count = len(specs)
        for spec in specs:
            self.threads.submit(self._run, spec)

    def events(self) -> Iterator[Event]:
        """Events until every run finished (resumable: a new call goes on where one stopped)."""
        while self.finished < self.count:
            try:
                event = self.queue.get(timeout=0.2)
            except queue.Empty:
                yield ("tick",)
                continue
            self.finished += event[0] == "finished"
            yield event

    def cancel(self) -> None:
        self.cancelled.set()
        self.pool.close(kill=True)

    def close(self) -> None:
        self.threads.shutdown(wait=True, cancel_futures=True)
        self.pool.close(kill=self.cancelled.is_set())

    def _run(self, spec: RunSpec) -> None:
        try:
            if self.cancelled.is_set():
                result = RunResult(spec.run_id, status="cancelled", error="cancelled")
            else:
                self.queue.put(("started", spec.run_id, time.time()))
                result = execute_run(spec, self.pool, self.cancelled)
        except BaseException as exc:  # a bug must not hang the batch: report it as the run's
            result = RunResult(spec.run_id, status="failed", error=f"nbprod: {exc!r}")
        self.queue.put(("finished", result))


class DaskExecutor:
    """Runs as tasks on a Dask cluster: ``scheduler`` or a new LocalCluster of ``jobs`` workers."""

    name = "dask"
    reports_starts = False

    def __init__(self, jobs: int, scheduler: str | None = None, batch_id: str = "", **_: Any):
        from distributed import Client, LocalCluster

        self.batch_id = batch_id
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler, timeout="10s")
        else:
            self.cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            self.client = Client(self.cluster)
        self.jobs = sum(self.client.nthreads().values()) or jobs
        self.futures: list[Any] = []
        self.specs: dict[str, RunSpec] = {}
        self.finished: set[str] = set()
        self.cancelled = False

    def environment(self, kernel: str) -> dict[str, Any]:
        """The fingerprint of a worker's environment (workers are assumed to share one)."""
        return self.client.submit(_worker_environment, kernel, pure=False).result()

    def submit(self, specs: list[RunSpec]) -> None:
        for spec in specs:
            self.specs[spec.run_id] = spec
            self.futures.append(
                self.client.submit(_worker_run, spec, key=f"nbprod-{spec.run_id}", pure=False)
            )

    def events(self) -> Iterator[Event]:
        """Events until every run finished (resumable: a new call goes on where one stopped)."""
        from distributed import as_completed

        pending = as_completed([f for f in self.futures if f.key not in self.finished])
        while not pending.is_empty():
            try:
                batch = pending.next_batch(block=False)
            except StopIteration:
                break
            if not batch:
                time.sleep(0.1)
                yield ("tick",)
                continue
            for future in batch:
                if future.key not in self.finished:
                    self.finished.add(future.key)
                    yield ("finished", self._result(future))

    def _result(self, future: Any) -> RunResult:
        run_id = future.key[len("nbprod-") :]
        try:
            result: RunResult = future.result()
        except BaseException as exc:  # cancelled, a lost worker, or an error outside the run
            if self.cancelled:
                return RunResult(run_id, status="cancelled", error="cancelled")
            return RunResult(run_id, status="failed", error=f"dask: {first_line(exc)}")
        spec = self.specs[run_id]
        if result.output_text is not None:
            os.makedirs(os.path.dirname(spec.output), exist_ok=True)
            with open(spec.output, "w", encoding="utf-8") as f:
                f.write(result.output_text)
            result.output_text = None
        return result

    def cancel(self) -> None:
        self.cancelled = True
        try:
            self.client.run(_worker_cancel, self.batch_id)
        except Exception:  # workers gone: nothing left to stop
            pass
        self.client.cancel(self.futures)

    def close(self) -> None:
        try:
            self.client.run(_worker_close, self.batch_id)
        except Exception:
            pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


EXECUTORS = {"local": LocalExecutor, "dask": DaskExecutor}


# -- on a Dask worker ------------------------------------------------------------------------------

_pools: dict[tuple[str, str, str], Any] = {}  # (batch, kernel, cwd) -> KernelPool
_running: dict[str, set[Any]] = {}  # batch -> kernel managers in use
_cancelled: dict[str, threading.Event] = {}
_lock = threading.Lock()


def _worker_run(spec: RunSpec) -> RunResult:
    """A Dask task: one run on this worker, with the output notebook returned as text."""
    import dataclasses

    from distributed import get_worker

    from nbprod.run.kernels import KernelPool

    batch = spec.metadata.get("batch_id", "")
    cwd = spec.cwd if os.path.isdir(spec.cwd) else tempfile.gettempdir()
    with _lock:
        cancelled = _cancelled.setdefault(batch, threading.Event())
        if (batch, spec.kernel, cwd) not in _pools:
            spares = max(get_worker().state.nthreads, 1)
            _pools[batch, spec.kernel, cwd] = KernelPool(spec.kernel, cwd, spares=spares)
        pool = _pools[batch, spec.kernel, cwd]
    if cancelled.is_set():
        return RunResult(spec.run_id, status="cancelled", error="cancelled")
    scratch = tempfile.mkdtemp(prefix="nbprod-out-")
    try:
        local = dataclasses.replace(
            spec, cwd=cwd, output=os.path.join(scratch, os.path.basename(spec.output))
        )
        return execute_run(local, _BatchKernels(pool, batch), cancelled, return_output=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class _BatchKernels:
    """A worker's pool, remembering which kernels a batch uses (to kill them on cancel)."""

    def __init__(self, pool: Any, batch: str):
        self.pool, self.batch = pool, batch

    def take(self, timeout: float | None) -> Any:
        km = self.pool.take(timeout)
        with _lock:
            _running.setdefault(self.batch, set()).add(km)
        return km

    def ready(self, km: Any) -> None:
        self.pool.ready(km)

    def release(self, km: Any, now: bool) -> None:
        with _lock:
            _running.get(self.batch, set()).discard(km)
        self.pool.release(km, now)


def _worker_environment(kernel: str) -> dict[str, Any]:
    from nbprod.run.kernels import kernel_command
    from nbprod.run.provenance import environment

    return environment(kernel_command(kernel))


def _worker_cancel(batch: str) -> None:
    """Stop a batch on this worker: no new runs, its running kernels killed."""
    from nbprod.run.kernels import kill_kernel

    with _lock:
        _cancelled.setdefault(batch, threading.Event()).set()
        running = list(_running.get(batch, ()))
    for km in running:
        kill_kernel(km)


def _worker_close(batch: str) -> None:
    """At the end of a batch: shut down this worker's idle kernels of that batch."""
    with _lock:
        pools = [pool for key, pool in _pools.items() if key[0] == batch]
        for key in [key for key in _pools if key[0] == batch]:
            del _pools[key]
        _cancelled.pop(batch, None)
        _running.pop(batch, None)
    for pool in pools:
        pool.close()
