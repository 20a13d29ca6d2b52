"""``nbprod batch`` and ``nbprod runs`` on real kernels: grids, records, resume after ``kill -9``,
Ctrl-C, and the same batch on a real Dask LocalCluster."""

from __future__ import annotations

import json
import os
import re
import signal
import time

import pytest

from tests.run.conftest import leftovers, live_rows, spawn, store_rows, wait_for

pytestmark = pytest.mark.slow

BODY = ("import time\ntime.sleep(b)", "result = a * 10\nif a == 3:\n    raise ValueError('three')")
GRID = "grid:\n  a: [1, 2, 3]\n  name: [x, 'y z']\n"
SUMMARY = (
    "point          status  time  result  run\n"
    "a=1,name=x     ok      T     10      ID\n"
    "a=1,name=y z   ok      T     10      ID\n"
    "a=2,name=x     ok      T     20      ID\n"
    "a=2,name=y z   ok      T     20      ID\n"
    "a=3,name=x     failed  T     -       ID\n"
    "a=3,name=y z   failed  T     -       ID\n"
)


def normalise(table: str) -> str:
    """Times -> T, run ids -> ID."""
    table = re.sub(r"\d+\.\d\d s", "T", table)
    return re.sub(r"[0-9a-f]{10}$", "ID", table, flags=re.M)


def columns(table: str) -> list[list[str]]:
    return [re.split(r"  +", line) for line in table.splitlines()]


def test_grid_batch_then_inspect_then_resume(notebook, nbprod, tmp_path):
    notebook(*BODY)
    (tmp_path / "grid.yaml").write_text(GRID)
    result = nbprod("batch", "nb.ipynb", "--grid", "grid.yaml", "-j", "2", "--collect", "result")
    assert result.code == 1
    assert columns(normalise(result.out)) == columns(normalise(SUMMARY))
    errors = result.err.splitlines()
    assert sorted(errors[:2]) == ["nb.ipynb:cell 3: failed: line 3: ValueError: three"] * 2
    assert re.fullmatch(
        r"batch (b-[0-9a-f]{8}): 6 runs: 4 ok, 2 failed in \d+\.\d s · outputs "
        r"in \.nbprod/runs · report: nbprod runs report \1 -o report\.html",
        errors[2],
    )
    rows = store_rows(tmp_path / ".nbprod")
    assert [(r["label"], r["status"], r["executor"]) for r in rows] == [
        ("a=1,name=x", "ok", "local"),
        ("a=1,name=y z", "ok", "local"),
        ("a=2,name=x", "ok", "local"),
        ("a=2,name=y z", "ok", "local"),
        ("a=3,name=x", "failed", "local"),
        ("a=3,name=y z", "failed", "local"),
    ]
    for row in rows:
        assert row["output"] == f"runs/{row['id']}/nb-{row['label'].replace(' ', '_')}.ipynb"
        assert (tmp_path / ".nbprod" / row["output"]).is_file()
    assert len({r["content_key"] for r in rows}) == 6 and len({r["batch_id"] for r in rows}) == 1

    # -- nbprod runs list / show / compare / report
    listed = nbprod("runs", "list")
    assert listed.code == 0 and len(listed.out.splitlines()) == 7
    assert listed.out.splitlines()[0].split() == [
        "run",
        "batch",
        "queued",
        "status",
        "time",
        "notebook",
        "point",
    ]
    shown = nbprod("runs", "show", rows[4]["id"][:6])
    assert shown.code == 0
    fields = {k: v.strip() for k, v in (line.split(": ", 1) for line in shown.out.splitlines())}
    assert fields["status"] == "failed at cell 3"
    assert fields["error"] == "line 3: ValueError: three"
    assert fields["parameters"] == '{"a": 3, "name": "x"}'
    compared = nbprod("runs", "compare", rows[0]["id"], rows[5]["id"])
    assert compared.code == 0
    marked = [line.split()[1:3] for line in compared.out.splitlines() if line.startswith("* ")]
    assert marked == [["param", "a"], ["param", "name"], ["status", "ok"], ["collected", "result"]]
    report = nbprod("runs", "report", "last", "-o", "report.html")
    assert report.code == 0 and report.err.startswith("report.html: report of batch b-")
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") == 2 and html.count("<tr>") == 7  # result against a and name
    assert nbprod("runs", "show", "nope").err == (
        ".nbprod: no run 'nope' (see `nbprod runs list`)\n"
    )

    # -- --resume skips what is done; failed runs run again
    result = nbprod(
        "batch", "nb.ipynb", "--grid", "grid.yaml", "-j", "2", "--collect", "result", "--resume"
    )
    assert result.code == 1
    assert [row[1] for row in columns(result.out)[1:]] == [
        "skipped",
        "skipped",
        "skipped",
        "skipped",
        "failed",
        "failed",
    ]
    first = {r["content_key"]: r["id"] for r in rows}
    for row in store_rows(tmp_path / ".nbprod")[6:10]:
        assert row["reused_from"] == first[row["content_key"]]
        assert json.loads(row["collected"])["result"] in (10, 20)


def test_kill_9_loses_no_finished_run_and_resume_runs_only_the_rest(notebook, nbprod, tmp_path):
    notebook("import time\ntime.sleep(b)", "result = a")
    (tmp_path / "grid.yaml").write_text("a: [1, 2, 3, 4]\n")
    args = (
        "batch",
        "nb.ipynb",
        "--grid",
        "grid.yaml",
        "-j",
        "2",
        "-p",
        "b",
        "1",
        "--collect",
        "result",
    )
    process = spawn(*args, cwd=tmp_path)
    store = tmp_path / ".nbprod"
    finished = wait_for(lambda: [r for r in live_rows(store) if r["status"] == "ok"])
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    done = {r["id"] for r in store_rows(store) if r["status"] == "ok"}
    assert len(done) >= len(finished) >= 1 and len(done) < 4
    wait_for(lambda: not leftovers(process), timeout=10)  # kernels follow their parent

    resumed = nbprod(*args, "--resume")
    assert resumed.code == 0, resumed.err
    rows = store_rows(store)
    first, second = rows[:4], rows[4:]
    assert {r["status"] for r in first} == {"ok", "cancelled"}  # the dead batch's leftovers
    assert {r["reused_from"] for r in second if r["status"] == "skipped"} == done
    assert sum(r["status"] == "ok" for r in second) == 4 - len(done)
    assert sorted(json.loads(r["collected"])["result"] for r in second) == [1, 2, 3, 4]


def test_ctrl_c_stops_every_kernel_and_cancels_the_rest(notebook, tmp_path):
    notebook("import time\ntime.sleep(b)")
    (tmp_path / "grid.yaml").write_text(
        "points: [{b: 0.01}, {a: 2, b: 60}, {a: 3, b: 60}, " "{a: 4, b: 60}]\n"
    )
    process = spawn("batch", "nb.ipynb", "--grid", "grid.yaml", "-j", "2", cwd=tmp_path)
    store = tmp_path / ".nbprod"
    wait_for(lambda: [r["status"] for r in live_rows(store)][:3] == ["ok", "running", "running"])
    time.sleep(0.5)  # inside the cells' sleep
    process.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130 and time.monotonic() - signalled < 10
    assert leftovers(process) == []
    assert re.fullmatch(
        r"cancelling: stopping every kernel\.\.\.\ncancelled: 1 ok, 3 cancelled "
        r"\(batch b-[0-9a-f]{8}\)\n",
        err,
    ), err
    assert [r["status"] for r in store_rows(store)] == ["ok"] + ["cancelled"] * 3


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


def test_the_same_batch_on_a_dask_cluster(cluster, notebook, nbprod, tmp_path):
    notebook(*BODY)
    (tmp_path / "grid.yaml").write_text(GRID)
    result = nbprod(
        "batch",
        "nb.ipynb",
        "--grid",
        "grid.yaml",
        "--executor",
        "dask",
        "--scheduler",
        cluster,
        "--collect",
        "result",
    )
    assert result.code == 1, result.err
    assert columns(normalise(result.out)) == columns(normalise(SUMMARY))
    rows = store_rows(tmp_path / ".nbprod")
    assert {r["executor"] for r in rows} == {"dask"}
    assert all(int(r["worker"].rsplit(":", 1)[1]) != os.getpid() for r in rows)  # in workers
    for row in rows:
        out = json.loads((tmp_path / ".nbprod" / row["output"]).read_text())
        assert out["metadata"]["nbprod"]["run_id"] == row["id"]
        assert row["kernel_s"] is not None and row["exec_s"] > 0.05
    errors = [r["error"] for r in rows if r["status"] == "failed"]
    assert errors == ["line 3: ValueError: three"] * 2


def test_dask_without_an_address_starts_a_local_cluster(notebook, nbprod, tmp_path):
    notebook("result = a + 1")
    (tmp_path / "grid.yaml").write_text("a: [1, 2]\n")
    result = nbprod(
        "batch",
        "nb.ipynb",
        "--grid",
        "grid.yaml",
        "--executor",
        "dask",
        "-j",
        "1",
        "--collect",
        "result",
    )
    assert result.code == 0, result.err
    assert [json.loads(r["collected"]) for r in store_rows(tmp_path / ".nbprod")] == [
        {"result": 2},
        {"result": 3},
    ]
    assert nbprod("batch", "nb.ipynb", "--grid", "grid.yaml", "--scheduler", "x").err == (
        "--scheduler needs --executor dask\n"
    )


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("a: []\n", "grid.yaml:1: a: an empty list gives no points\n"),
        (
            "aa: [1]\n",
            "grid.yaml:1: unknown parameter 'aa'; did you mean 'a'? (known: a, b, "
            "name, flag, version, items; --allow-unknown passes it anyway)\n",
        ),
    ],
)
def test_bad_grids_are_one_line(notebook, nbprod, tmp_path, grid, message):
    notebook("x = 1")
    (tmp_path / "grid.yaml").write_text(grid)
    result = nbprod("batch", "nb.ipynb", "--grid", "grid.yaml")
    assert (result.code, result.err) == (2, message)
    assert not os.path.exists(tmp_path / ".nbprod")
