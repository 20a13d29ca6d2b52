"""The SQLite run store: records, id lookup, content keys, orphans of dead processes, report."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from nbprod.run.report import render_report
from nbprod.run.store import BatchRecord, RunRecord, RunStore, StoreError


def record(store: RunStore, batch: str, **values) -> RunRecord:
    base = dict(id=store.new_id(), batch_id=batch, notebook="nb.ipynb", queued=time.time())
    return RunRecord(**{**base, **values})


def test_runs_round_trip_with_json_columns(tmp_path):
    store = RunStore(tmp_path / "s")
    store.add_batch(BatchRecord(id="b-1", notebook="nb.ipynb", created=time.time()))
    runs = [
        record(store, "b-1", id="aaa111", parameters={"a": [1, "é"]}, git_dirty=True),
        record(store, "b-1", id="aab222", status="ok", collected={"acc": 0.5}),
    ]
    store.add_runs(runs)
    store.update_run(
        "aaa111",
        status="failed",
        cell=3,
        error="line 2: ZeroDivisionError",
        collect_errors={"acc": "NameError"},
    )
    got = store.run("aaa")
    assert (got.status, got.cell, got.parameters, got.git_dirty, got.collect_errors) == (
        "failed",
        3,
        {"a": [1, "é"]},
        True,
        {"acc": "NameError"},
    )
    assert [r.id for r in store.runs(batch_id="b-1")] == ["aaa111", "aab222"]
    assert store.run("last").id == "aab222"
    assert store.batch("1").id == "b-1" and store.batch("last").id == "b-1"
    with pytest.raises(StoreError, match="'aa' matches several runs"):
        store.run("aa")
    with pytest.raises(StoreError, match=r"no run 'zz' \(see `nbprod runs list`\)"):
        store.run("zz")
    with pytest.raises(StoreError, match="no run '%'"):
        store.run("%")  # LIKE wildcards are escaped


def test_done_finds_the_latest_ok_run_by_content_key(tmp_path):
    store = RunStore(tmp_path)
    store.add_runs(
        [
            record(store, "b", id="r1", content_key="k", status="ok", ended=1.0),
            record(store, "b", id="r2", content_key="k", status="failed", ended=3.0),
            record(store, "b", id="r3", content_key="k", status="ok", ended=2.0),
        ]
    )
    assert store.done("k").id == "r3"
    assert store.done("other") is None


def test_runs_left_unfinished_by_a_dead_process_become_cancelled(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    store = RunStore(tmp_path)
    store.add_batch(BatchRecord(id="b-dead", notebook="nb.ipynb", pid=int(dead)))
    store.add_batch(BatchRecord(id="b-live", notebook="nb.ipynb"))  # this process
    store.add_runs(
        [
            record(store, "b-dead", id="d1", status="ok"),
            record(store, "b-dead", id="d2", status="running"),
            record(store, "b-dead", id="d3", status="queued"),
            record(store, "b-live", id="l1", status="running"),
        ]
    )
    store.close()
    reopened = RunStore(tmp_path)
    assert {r.id: r.status for r in reopened.runs()} == {
        "d1": "ok",
        "d2": "cancelled",
        "d3": "cancelled",
        "l1": "running",
    }
    assert reopened.run("d2").error == "the nbprod process ended before this run finished"
    assert reopened.batch("b-dead").status == "cancelled"


def test_a_store_from_an_older_nbprod_gets_the_new_columns(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "runs.db") as db:
        db.execute("CREATE TABLE runs (id TEXT PRIMARY KEY, batch_id TEXT, status TEXT)")
        db.execute("INSERT INTO runs VALUES ('old1', 'b-0', 'ok')")
    store = RunStore(tmp_path)
    assert (store.run("old1").status, store.run("old1").defaults) == ("ok", {})
    store.add_runs([record(store, "b-1", id="new1", defaults={"a": 1})])
    assert store.run("new1").effective == {"a": 1}


def test_an_unusable_store_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match=r"file: cannot open the run store: "):
        RunStore(tmp_path / "file")


def test_report_has_table_plots_and_escapes_everything():
    batch = BatchRecord(id="b-1", notebook="<nb>.ipynb", created=0.0, command="nbprod batch")
    runs = [
        RunRecord(
            id=f"r{i}",
            batch_id="b-1",
            label=f"lr={lr},model={m}",
            status="ok",
            parameters={"lr": lr, "model": m, "seed": 1},
            collected={"acc": acc, "note": "<b>"},
            started=0.0,
            ended=1.5,
        )
        for i, (lr, m, acc) in enumerate([(0.1, "<script>", 0.5), (0.2, "b", 0.7), (0.1, "b", 0.6)])
    ] + [
        RunRecord(
            id="r9",
            batch_id="b-1",
            status="failed",
            cell=3,
            error="x <y>",
            parameters={"lr": 0.3, "model": "b", "seed": 1},
        )
    ]
    html = render_report(batch, runs)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert html.count("<svg") == 2  # acc against lr and against model; note is not numeric
    assert "acc against lr" in html and "acc against model" in html
    assert html.count("<circle") == 6  # one dot per run that collected acc, per plot
    assert html.count("<tr>") == 5
    assert '<td class="l failed" title="x &lt;y&gt;">failed (cell 3)</td>' in html
    assert "3 ok, 1 failed" in html
