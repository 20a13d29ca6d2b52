"""The run store: SQLite (standard library) at ``.nbprod/runs.db``, output notebooks beside it in
``.nbprod/runs/RUN_ID/``.

Every run is a row, written when it is queued and updated when it starts and ends, each change in
its own transaction (WAL journal): a batch killed with ``kill -9`` loses no finished run. Rows a
dead process left ``queued`` or ``running`` become ``cancelled`` the next time the store opens.
Environment fingerprints are stored once, in their own table, and referenced by id.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Mapping

from nbprod.paths import keep_out_of_git

DEFAULT_ROOT = ".nbprod"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, notebook TEXT, grid TEXT, command TEXT, executor TEXT, jobs INTEGER,
    created REAL, ended REAL, status TEXT, host TEXT, pid INTEGER
);
CREATE TABLE IF NOT EXISTS environments (id TEXT PRIMARY KEY, data TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, batch_id TEXT, label TEXT, notebook TEXT, notebook_sha256 TEXT,
    parameters TEXT, defaults TEXT, env_id TEXT, git_commit TEXT, git_dirty INTEGER, kernel TEXT,
    status TEXT, cell INTEGER, error TEXT, exit_code TEXT, queued REAL, started REAL, ended REAL,
    queue_s REAL, kernel_s REAL, exec_s REAL, collected TEXT, collect_errors TEXT, output TEXT,
    content_key TEXT, reused_from TEXT, executor TEXT, worker TEXT
);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS runs_by_key ON runs (content_key, status);
CREATE INDEX IF NOT EXISTS runs_by_batch ON runs (batch_id);
"""
_JSON = ("parameters", "defaults", "collected", "collect_errors")
UNFINISHED = ("queued", "running")


@dataclass
class RunRecord:
    """One row of ``runs``; JSON columns are decoded."""

    id: str
    batch_id: str
    label: str = ""
    notebook: str = ""
    notebook_sha256: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)  # the values set (injected)
    defaults: dict[str, Any] = field(default_factory=dict)  # the parameters cell's literals
    env_id: str = ""
    git_commit: str | None = None
    git_dirty: bool | None = None
    kernel: str = ""
    status: str = "queued"
    cell: int | None = None
    error: str = ""
    exit_code: str | None = None
    queued: float | None = None
    started: float | None = None
    ended: float | None = None
    queue_s: float | None = None
    kernel_s: float | None = None
    exec_s: float | None = None
    collected: dict[str, Any] = field(default_factory=dict)
    collect_errors: dict[str, str] = field(default_factory=dict)
    output: str = ""
    content_key: str = ""
    reused_from: str | None = None
    executor: str = ""
    worker: str = ""

    @property
    def effective(self) -> dict[str, Any]:
        """The parameter values the run saw: the defaults, with the values set on top."""
        return {**self.defaults, **self.parameters}

    @property
    def duration(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return self.ended - self.started

    @property
    def succeeded(self) -> bool:
        """ok, skipped (done before), or stopped by ``sys.exit(0)``."""
        return self.status in ("ok", "skipped") or (
            self.status == "exited" and self.exit_code == "0"
        )


@dataclass
class BatchRecord:
    id: str
    notebook: str
    grid: str = ""
    command: str = ""
    executor: str = "local"
    jobs: int = 1
    created: float = 0.0
    ended: float | None = None
    status: str = "running"
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


class StoreError(Exception):
    """A store that cannot be used, or an id that matches nothing; ``str()`` is the message."""


class RunStore:
    """The store under ``root`` (a directory)."""

    def __init__(self, root: Path | str = DEFAULT_ROOT):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        try:
            keep_out_of_git(self.root)
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                self.root / "runs.db", timeout=30, isolation_level=None, check_same_thread=False
            )
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self._add_new_columns()
            self.db.executescript(_INDEXES)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.root}: cannot open the run store: {exc}") from None
        self._reap_orphans()

    def close(self) -> None:
        self.db.close()

    # -- ids ------------------------------------------------------------------------------------
    def new_id(self, prefix: str = "") -> str:
        """A fresh random id (10 hex digits; ``b-`` + 8 for batches), unused in this store."""
        while True:
            candidate = prefix + secrets.token_hex(4 if prefix else 5)
            table = "batches" if prefix else "runs"
            row = self.db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (candidate,)).fetchone()
            if row is None:
                return candidate

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    # -- writing --------------------------------------------------------------------------------
    def add_batch(self, batch: BatchRecord) -> None:
        self._insert("batches", asdict(batch))

    def end_batch(self, batch_id: str, status: str) -> None:
        self.db.execute(
            "UPDATE batches SET status = ?, ended = ? WHERE id = ?", (status, time.time(), batch_id)
        )

    def add_environment(self, env: Mapping[str, Any]) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO environments VALUES (?, ?)",
            (env["id"], json.dumps(env, sort_keys=True)),
        )

    def add_runs(self, runs: Iterable[RunRecord]) -> None:
        rows = [_encode(asdict(r)) for r in runs]
        if not rows:
            return
        columns = list(rows[0])
        sql = f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(sql, [tuple(r[c] for c in columns) for r in rows])

    def update_run(self, run_id: str, **values: Any) -> None:
        encoded = _encode(values)
        assignments = ", ".join(f"{k} = ?" for k in encoded)
        self.db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*encoded.values(), run_id))

    # -- reading --------------------------------------------------------------------------------
    def run(self, ref: str) -> RunRecord:
        """The run whose id is ``ref`` or starts with it; ``last`` is the latest run."""
        if ref == "last":
            row = self.db.execute(
                "SELECT * FROM runs ORDER BY queued DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise StoreError(f"{self.root}: no runs yet")
            return _record(row)
        rows = self.db.execute(
            "SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (_like(ref),)
        ).fetchall()
        if not rows:
            raise StoreError(f"{self.root}: no run {ref!r} (see `nbprod runs list`)")
        if len(rows) > 1:
            raise StoreError(f"{self.root}: {ref!r} matches several runs; give more of the id")
        return _record(rows[0])

    def batch(self, ref: str) -> BatchRecord:
        """The batch whose id is ``ref`` or starts with it (with or without ``b-``); ``last``."""
        if ref == "last":
            row = self.db.execute(
                "SELECT * FROM batches ORDER BY created DESC, rowid DESC LIMIT 1"
            ).fetchone()
            rows = [row] if row is not None else []
        else:
            ref = ref if ref.startswith("b-") else "b-" + ref
            rows = self.db.execute(
                "SELECT * FROM batches WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (_like(ref),)
            ).fetchall()
        if not rows:
            raise StoreError(f"{self.root}: no batch {ref!r} (see `nbprod runs list`)")
        if len(rows) > 1:
            raise StoreError(f"{self.root}: {ref!r} matches several batches; give more of the id")
        return BatchRecord(**dict(rows[0]))

    def runs(
        self,
        batch_id: str | None = None,
        status: str | None = None,
        notebook: str | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        """Runs, newest first (in batch order when ``batch_id`` is given)."""
        where, args = [], []
        for column, value in (("batch_id", batch_id), ("status", status), ("notebook", notebook)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY rowid" if batch_id else " ORDER BY queued DESC, rowid DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_record(row) for row in self.db.execute(sql, args)]

    def done(self, key: str) -> RunRecord | None:
        """The latest ok run with this content key."""
        row = self.db.execute(
            "SELECT * FROM runs WHERE content_key = ? AND status = 'ok' "
            "ORDER BY ended DESC LIMIT 1",
            (key,),
        ).fetchone()
        return _record(row) if row is not None else None

    def environment(self, env_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM environments WHERE id = ?", (env_id,)).fetchone()
        return json.loads(row["data"]) if row is not None else None

    # -- housekeeping ---------------------------------------------------------------------------
    def _reap_orphans(self) -> None:
        """Runs left queued/running by a batch process that no longer exists -> cancelled."""
        host = socket.gethostname()
        rows = self.db.execute(
            "SELECT DISTINCT b.id, b.pid, b.host FROM batches b JOIN runs r ON r.batch_id = b.id "
            "WHERE r.status IN ('queued', 'running')"
        ).fetchall()
        for row in rows:
            if row["host"] != host or _alive(row["pid"]):
                continue
            with self.db:
                self.db.execute("BEGIN")
                self.db.execute(
                    "UPDATE runs SET status = 'cancelled', error = ? WHERE batch_id = ? "
                    "AND status IN ('queued', 'running')",
                    ("the nbprod process ended before this run finished", row["id"]),
                )
                self.db.execute(
                    "UPDATE batches SET status = 'cancelled' WHERE id = ? AND status = 'running'",
                    (row["id"],),
                )

    def _add_new_columns(self) -> None:
        """A store written by an older nbprod gets the columns added since (NULL in old rows)."""
        for table, record in (("runs", RunRecord), ("batches", BatchRecord)):
            present = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for f in fields(record):
                if f.name not in present:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {f.name}")

    def _insert(self, table: str, values: Mapping[str, Any]) -> None:
        columns = list(values)
        self.db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            tuple(values.values()),
        )


def _encode(values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key in _JSON:
        if key in out:
            out[key] = json.dumps(out[key], sort_keys=False)
    if isinstance(out.get("git_dirty"), bool):
        out["git_dirty"] = int(out["git_dirty"])
    return out


_FIELDS = {f.name for f in fields(RunRecord)}


def _record(row: sqlite3.Row) -> RunRecord:
    values = {k: row[k] for k in row.keys() if k in _FIELDS}
    for key in _JSON:
        values[key] = json.loads(values[key]) if values.get(key) else {}
    if values.get("git_dirty") is not None:
        values["git_dirty"] = bool(values["git_dirty"])
    return RunRecord(**values)


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
