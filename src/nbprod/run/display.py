"""What ``nbprod run``, ``batch`` and ``runs`` print: status lines, plain-text tables, and the live
batch progress (rich, on stderr). Pure formatting except :class:`Progress`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from nbprod.run.store import RunRecord

UNFINISHED = ("queued", "running")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned table (two spaces between columns, no trailing spaces)."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def where(record: RunRecord) -> str:
    """``PATH:cell N`` (or ``PATH``) of a run's outcome."""
    return f"{record.notebook}:cell {record.cell}" if record.cell else record.notebook


def status_line(record: RunRecord, store_root: Path) -> str:
    """One line saying how a run ended, where, and where its output is."""
    output = store_root / record.output
    if record.status == "ok":
        head = f"{record.notebook}: ok in {seconds(record.duration)}"
        head += f" (kernel {seconds(record.kernel_s)})"
    elif record.status == "skipped":
        head = f"{record.notebook}: skipped: done before as run {record.reused_from}"
    elif record.error in ("", record.status):
        head = f"{where(record)}: {record.status}"
    else:
        head = f"{where(record)}: {record.status}: {record.error}"
    return f"{head} · run {record.id} · output {output}"


def collect_lines(record: RunRecord) -> list[str]:
    """``NAME = VALUE`` (JSON) per collected value; ``NAME: not collected: why`` on failures."""
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in record.collected.items()]
    lines += [f"{k}: not collected: {why}" for k, why in record.collect_errors.items()]
    return lines


def summary(runs: Sequence[RunRecord], collect: Sequence[str]) -> str:
    """The batch table: point, status, time, and each collected value."""
    names = list(collect) or list(dict.fromkeys(k for r in runs for k in r.collected))
    rows = [
        [
            r.label or "(defaults)",
            r.status,
            seconds(r.duration) if r.status != "skipped" else "-",
            *[r.collected.get(n) for n in names],
            r.id,
        ]
        for r in runs
    ]
    return table(["point", "status", "time", *names, "run"], rows)


def counts(runs: Iterable[RunRecord]) -> str:
    """``15 ok, 1 failed``."""
    tally: dict[str, int] = {}
    for r in runs:
        tally[r.status] = tally.get(r.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in tally.items())


def run_list(runs: Sequence[RunRecord]) -> str:
    rows = [
        [
            r.id,
            r.batch_id,
            _when(r.queued),
            r.status,
            seconds(r.duration),
            Path(r.notebook).name,
            r.label or _params(r.parameters),
        ]
        for r in runs
    ]
    return table(["run", "batch", "queued", "status", "time", "notebook", "point"], rows)


def run_details(record: RunRecord, env: Mapping[str, Any] | None, store_root: Path) -> str:
    """Everything recorded about one run, one ``key: value`` per line."""
    git = record.git_commit or "-"
    if record.git_commit and record.git_dirty:
        git += " (dirty)"
    env_text = "-"
    if env:
        packages = len(env.get("packages", {}))
        env_text = f"{record.env_id} (Python {env.get('python')}, {env.get('platform')}, "
        env_text += f"{packages} packages)"
    lines = [
        ("run", record.id),
        ("batch", record.batch_id),
        ("notebook", f"{record.notebook} (sha256 {record.notebook_sha256[:12]})"),
        ("point", record.label or "(defaults)"),
        ("parameters", json.dumps(record.parameters, ensure_ascii=False)),
        ("defaults", json.dumps(record.defaults, ensure_ascii=False)),
        ("status", record.status + (f" at cell {record.cell}" if record.cell else "")),
        ("error", record.error or "-"),
        ("kernel", record.kernel),
        ("executor", f"{record.executor} on {record.worker or '-'}"),
        ("queued", _when(record.queued)),
        ("started", _when(record.started)),
        ("ended", _when(record.ended)),
        (
            "time",
            f"queue {seconds(record.queue_s)}, kernel start {seconds(record.kernel_s)}, "
            f"execution {seconds(record.exec_s)}",
        ),
        ("collected", json.dumps(record.collected, ensure_ascii=False)),
        ("git", git),
        ("environment", env_text),
        ("content key", record.content_key[:16]),
        ("output", str(store_root / record.output)),
    ]
    if record.reused_from:
        lines.insert(6, ("reused", f"result of run {record.reused_from} (--resume)"))
    if record.collect_errors:
        lines.insert(-4, ("not collected", json.dumps(record.collect_errors)))
    width = max(len(k) for k, _ in lines)
    return "\n".join(f"{k + ':':<{width + 1}} {v}" for k, v in lines)


def compare(records: Sequence[RunRecord], envs: Mapping[str, Mapping[str, Any] | None]) -> str:
    """Runs side by side; rows that differ (but time) are marked ``*``; then the packages that
    differ between their environments."""
    params = list(dict.fromkeys(k for r in records for k in r.effective))
    collected = list(dict.fromkeys(k for r in records for k in r.collected))
    rows: list[tuple[str, list[Any]]] = [
        ("notebook", [r.notebook for r in records]),
        ("notebook sha256", [r.notebook_sha256[:12] for r in records]),
        *[(f"param {p}", [r.effective.get(p) for r in records]) for p in params],
        ("status", [r.status for r in records]),
        ("time", [seconds(r.duration) for r in records]),
        *[(f"collected {c}", [r.collected.get(c) for r in records]) for c in collected],
        ("kernel", [r.kernel for r in records]),
        ("git", [(r.git_commit or "-")[:12] + (" dirty" if r.git_dirty else "") for r in records]),
        ("environment", [r.env_id for r in records]),
    ]
    body = [
        [("* " if name != "time" and len({_cell(v) for v in values}) > 1 else "  ") + name, *values]
        for name, values in rows
    ]
    text = table(["", *[r.id for r in records]], body)
    diff = _package_diff(records, envs)
    return text + ("\n\npackages that differ:\n" + diff if diff else "")


def _package_diff(records: Sequence[RunRecord], envs: Mapping[str, Any]) -> str:
    ids = list(dict.fromkeys(r.env_id for r in records))
    if len(ids) < 2:
        return ""
    packages = [((envs.get(i) or {}).get("packages") or {}) for i in ids]
    names = sorted({n for p in packages for n in p})
    rows = [
        [n, *[p.get(n) for p in packages]] for n in names if len({p.get(n) for p in packages}) > 1
    ]
    return table(["package", *ids], rows) if rows else ""


def _when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _params(values: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={_cell(v)}" for k, v in values.items())


class Progress:
    """The live batch display on stderr: done, failed, running, ETA (rich). rich is imported when
    the batch is planned, after the kernels' start; the display is redrawn twice a second (rich's
    default of ten times took ≈7% of a core, which the runs need more)."""

    def __init__(self, title: str, enabled: bool = True):
        self.title, self.enabled = title, enabled
        self.progress: Any = None
        self.task: Any = None
        self.running = self.failed = 0

    def _start(self, total: int, done: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as RichProgress,
        )

        console = Console(stderr=True)
        self.progress = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed[/] · {task.fields[running]} running"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not (self.enabled and console.is_terminal),
            transient=False,
            refresh_per_second=2,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            self.title, total=total, completed=done, failed=0, running=0
        )

    def __call__(self, kind: str, payload: Any) -> None:
        if kind == "planned":
            runs = payload.runs
            self._start(len(runs), sum(r.status == "skipped" for r in runs))
        elif kind == "started":
            self.running += 1
        elif kind == "finished":
            self.running = max(self.running - 1, 0)
            self.failed += not payload.succeeded
            self.progress.advance(self.task)
            if not payload.succeeded and payload.status != "cancelled":
                self.progress.console.print(
                    status_line(payload, Path(".")).split(" · ")[0], highlight=False, markup=False
                )
        elif kind == "cancelling":
            self.progress.console.print("cancelling: stopping every kernel...", highlight=False)
        if self.task is not None:
            self.progress.update(self.task, failed=self.failed, running=self.running)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
