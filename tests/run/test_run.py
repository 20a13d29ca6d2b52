"""``nbprod run`` on real kernels: every way a run ends gets its status and one clear line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nbprod.run import run_notebook
from nbprod.run.params import ParamError
from tests.run.conftest import store_rows
from tests.run.test_params import HOSTILE_NAME, HOSTILE_STRINGS

pytestmark = pytest.mark.slow

TAIL = r" · run (?P<id>[0-9a-f]{10}) · output \.nbprod/runs/(?P=id)/nb\.ipynb"


def line(result) -> re.Match:
    """The one status line on stderr."""
    assert result.err.count("\n") == 1, result.err
    return result.err.rstrip("\n")


def output_of(tmp_path: Path, run_id: str) -> dict:
    return json.loads((tmp_path / ".nbprod" / "runs" / run_id / "nb.ipynb").read_text())


def test_ok_run_injects_hostile_values_exactly_and_collects(notebook, nbprod, tmp_path):
    notebook(
        "import time\ntime.sleep(b)",
        "result = {'name': name, 'items': items, 'a': a}\n"
        "import numpy as np\nmean = np.float64(2.5)",
    )
    hostile = "".join(HOSTILE_STRINGS)
    result = nbprod(
        "run",
        "nb.ipynb",
        "-p",
        "name",
        hostile,
        "-p",
        "items",
        json.dumps([hostile, {"k": hostile}]),
        "-p",
        "a",
        "3",
        "--collect",
        "result",
        "--collect",
        "mean",
    )
    assert result.code == 0, result.err
    match = re.fullmatch(
        r"nb\.ipynb: ok in \d+\.\d\d s \(kernel \d+\.\d\d s\)" + TAIL, line(result)
    )
    assert match, result.err
    expected = {"name": hostile, "items": [hostile, {"k": hostile}], "a": 3}
    assert result.out == f"result = {json.dumps(expected, ensure_ascii=False)}\nmean = 2.5\n"
    assert not (tmp_path / "PWNED").exists()
    out = output_of(tmp_path, match["id"])
    sources = ["".join(c["source"]) for c in out["cells"]]
    assert out["cells"][1]["metadata"]["tags"] == ["injected-parameters"]
    assert sources[1].startswith("# Parameters\nname = ")
    assert out["metadata"]["papermill"]["parameters"] == expected
    [row] = store_rows(tmp_path / ".nbprod")
    assert out["metadata"]["nbprod"] == {
        "run_id": match["id"],
        "batch_id": row["batch_id"],
        "label": "",
    }
    assert row["status"] == "ok" and json.loads(row["parameters"]) == expected
    assert json.loads(row["collected"]) == {"result": expected, "mean": 2.5}
    assert row["git_commit"] is None and len(row["env_id"]) == 16 and row["kernel"] == "python3"
    assert row["kernel_s"] > 0 and row["exec_s"] > 0.05 and row["queue_s"] >= 0


@pytest.mark.parametrize("allow", [[], ["--allow-unknown"]])
def test_a_name_carrying_code_is_refused_before_anything_runs(notebook, nbprod, tmp_path, allow):
    notebook("x = 1")
    result = nbprod("run", "nb.ipynb", "-p", HOSTILE_NAME, "1", *allow)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        'nb.ipynb: \'s=1; __import__("os").system("touch PWNED"); t\' is not a valid parameter '
        "name (it must be a Python identifier)\n"
    )
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / ".nbprod").exists()


def test_python_api_refuses_tuples_bytes_and_code_in_names(notebook, tmp_path):
    path = notebook("x = 1")
    for values, message in [
        (
            {"items": (1, "__import__('os').system('touch PWNED')")},
            "items: a tuple is not a JSON value (use a list)",
        ),
        (
            {"name": b"'; import os; os.system('touch PWNED'); '"},
            "name: a bytes is not a JSON value (decode it to str)",
        ),
        ({HOSTILE_NAME: 1}, "is not a valid parameter name"),
    ]:
        with pytest.raises(ParamError, match=re.escape(message)):
            run_notebook(path, values, store=tmp_path / "s", allow_unknown=True)
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "s").exists()
    record = run_notebook(path, {"items": [1, 2, 3]}, store=tmp_path / "s", collect=["items"])
    assert (record.status, record.collected) == ("ok", {"items": [1, 2, 3]})


def test_a_cell_that_raises(notebook, nbprod, tmp_path):
    notebook("x = 1\n1 / 0", "never = True")
    result = nbprod("run", "nb.ipynb", "--collect", "x")
    assert (result.code, result.out) == (1, "")
    assert re.fullmatch(
        r"nb\.ipynb:cell 2: failed: line 2: ZeroDivisionError: division by zero" + TAIL,
        line(result),
    ), result.err
    [row] = store_rows(tmp_path / ".nbprod")
    assert (row["status"], row["cell"], row["collected"]) == ("failed", 2, "{}")


def test_a_cell_that_times_out(notebook, nbprod, tmp_path):
    notebook("print('started')\nimport time\ntime.sleep(60)", "never = True")
    result = nbprod("run", "nb.ipynb", "--cell-timeout", "1")
    assert result.code == 1
    match = re.fullmatch(
        r"nb\.ipynb:cell 2: timeout: cell ran longer than 1 s \(--cell-timeout\)" + TAIL,
        line(result),
    )
    assert match, result.err
    [row] = store_rows(tmp_path / ".nbprod")
    assert row["status"] == "timeout" and row["exec_s"] < 10
    cell = output_of(tmp_path, match["id"])["cells"][3]  # papermill's error anchor is cell 2
    assert cell["metadata"]["papermill"]["status"] == "failed"
    assert [o.get("ename") for o in cell["outputs"]] == [None, "TimeoutError"]


def test_the_whole_run_deadline_writes_the_partial_output(notebook, nbprod, tmp_path):
    notebook("print('first cell ran')\nimport time\ntime.sleep(0.5)", "time.sleep(60)", "x = 1")
    result = nbprod("run", "nb.ipynb", "--timeout", "6", "-o", "partial.ipynb")
    assert result.code == 1
    match = re.fullmatch(
        r"nb\.ipynb:cell (\d): timeout: the whole-run deadline of 6 s passed "
        r"\(--timeout\) · run (?P<id>[0-9a-f]{10}) · output .*",
        line(result),
    )
    assert match and match[1] == "3", result.err  # cell 2 ran, cell 3 was cut
    partial = json.loads((tmp_path / "partial.ipynb").read_text())
    assert partial == output_of(tmp_path, match["id"])
    texts = ["".join(o.get("text", "")) for c in partial["cells"] for o in c.get("outputs", [])]
    assert "first cell ran\n" in texts
    [row] = store_rows(tmp_path / ".nbprod")
    assert row["ended"] - row["started"] < 12


def test_a_kernel_killed_mid_run(notebook, nbprod, tmp_path):
    notebook("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "never = True")
    result = nbprod("run", "nb.ipynb")
    assert result.code == 1
    assert re.fullmatch(
        r"nb\.ipynb:cell 2: killed: the kernel died \(killed by SIGKILL\)" + TAIL, line(result)
    ), result.err


@pytest.mark.parametrize(("code", "exit_code"), [("0", 0), ("3", 1)])
def test_sys_exit_stops_the_run_and_is_recorded_as_such(
    notebook, nbprod, tmp_path, code, exit_code
):
    notebook(f"import sys\nsys.exit({code})", "never = True")
    result = nbprod("run", "nb.ipynb")
    assert result.code == exit_code
    match = re.fullmatch(
        rf"nb\.ipynb:cell 2: exited: sys\.exit\({code}\) stopped the run" + TAIL, line(result)
    )
    assert match, result.err
    last = output_of(tmp_path, match["id"])["cells"][-1]
    assert "".join(last["source"]) == "never = True" and last["execution_count"] is None


def test_a_missing_kernel_names_it_the_installed_ones_and_the_fix(notebook, nbprod):
    spec = {"display_name": "Gone", "language": "python", "name": "nbprod-missing"}
    notebook("x = 1", kernelspec=spec)
    result = nbprod("run", "nb.ipynb")
    assert result.code == 2
    assert re.fullmatch(
        r"nb\.ipynb: kernel 'nbprod-missing' \(its kernelspec\) is not installed \(installed: "
        r"[^)]*python3[^)]*\); install it with `python -m ipykernel install --user --name "
        r"nbprod-missing` or run with --kernel NAME\n",
        result.err,
    ), result.err
    assert nbprod("run", "nb.ipynb", "--kernel", "python3").code == 0


def test_values_not_collected_are_reported_and_fail_the_step(notebook, nbprod):
    notebook("x = 2")
    result = nbprod("run", "nb.ipynb", "--collect", "x", "--collect", "nope")
    assert result.code == 1
    assert result.out == "x = 2\nnope: not collected: NameError: name 'nope' is not defined\n"
    assert result.err.startswith("nb.ipynb: ok in ")


def test_parameters_file_json_record_and_list_params(notebook, nbprod, tmp_path):
    notebook("y = a * 2")
    (tmp_path / "p.yaml").write_text("a: 5\nversion: 1.10\n")
    result = nbprod(
        "run",
        "nb.ipynb",
        "-f",
        "p.yaml",
        "-p",
        "flag",
        "true",
        "--collect",
        "y",
        "--collect",
        "version",
        "--json",
    )
    assert result.code == 0, result.err
    record = json.loads(result.out)
    assert record["parameters"] == {"a": 5, "version": "1.10", "flag": True}
    assert record["collected"] == {"y": 10, "version": "1.10"}
    listed = nbprod("run", "nb.ipynb", "--list-params")
    assert listed.err == "nb.ipynb: 6 parameters in cell 1\n"
    assert listed.out == (
        "name     type   default  help\n"
        "a        int    1        an int\n"
        "b        float  0.05     seconds to sleep\n"
        "name     str    'x'\n"
        "flag     bool   False\n"
        "version  str    '1.0'\n"
        "items    list   [1, 2]\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.ipynb"], "missing.ipynb: cannot read: No such file or directory\n"),
        (
            ["nb.ipynb", "-p", "nmae", "y"],
            "nb.ipynb: unknown parameter 'nmae'; did you mean 'name'? (known: a, b, name, flag, "
            "version, items; --allow-unknown passes it anyway)\n",
        ),
        (["nb.ipynb", "-p", "a", "1.5"], "nb.ipynb: a: expected an int, got '1.5'\n"),
        (["nb.ipynb", "-f", "none.yaml"], "none.yaml: cannot read: No such file or directory\n"),
        (["nb.ipynb", "--collect", "a.b"], "--collect 'a.b': not a Python identifier\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(notebook, nbprod, args, message):
    notebook("x = 1")
    result = nbprod("run", *args)
    assert (result.code, result.out, result.err) == (2, "", message)


def test_an_r_notebook_gets_the_r_install_hint_and_no_parameters(nbprod, tmp_path):
    import shutil

    from tests.conftest import FIXTURES

    shutil.copy(FIXTURES / "corpus" / "irkernel-demo-r.ipynb", tmp_path / "r.ipynb")
    result = nbprod("run", "r.ipynb")
    assert result.code == 2
    assert re.fullmatch(
        r"r\.ipynb: kernel 'ir' \(its kernelspec\) is not installed \(installed: "
        r"[^)]*\); install it with `R -e 'IRkernel::installspec\(\)'` or run with "
        r"--kernel NAME\n",
        result.err,
    ), result.err
    refused = nbprod("run", "r.ipynb", "-p", "x", "1", "--allow-unknown")
    assert (refused.code, refused.err) == (
        2,
        "r.ipynb: parameters are supported for Python notebooks only (this one is r)\n",
    )


@pytest.mark.parametrize("fork", ["1", "0"])
def test_every_run_gets_a_fresh_kernel_forked_or_started(
    notebook, nbprod, tmp_path, monkeypatch, fork
):
    monkeypatch.setenv("NBPROD_KERNEL_FORK", fork)
    monkeypatch.setenv("NBPROD_TEST_VALUE", "seen")
    notebook(
        "import os, random, signal\n"
        "state = [os.getpid(), random.random(), os.getcwd(),\n"
        "         os.environ['NBPROD_TEST_VALUE'], 'leak' in globals(),\n"
        "         get_ipython().history_manager.enabled, len(In)]\n"
        "leak = 1",
        "if a == 4:\n    os.kill(os.getpid(), signal.SIGKILL)",
    )
    (tmp_path / "grid.yaml").write_text("a: [1, 2, 3, 4]\n")
    result = nbprod("batch", "nb.ipynb", "--grid", "grid.yaml", "-j", "2", "--collect", "state")
    assert result.code == 1
    assert (
        result.err.splitlines()[0] == "nb.ipynb:cell 3: killed: the kernel died (killed by SIGKILL)"
    )
    rows = store_rows(tmp_path / ".nbprod")
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "killed"]
    states = [json.loads(r["collected"])["state"] for r in rows[:3]]
    assert len({pid for pid, *_ in states}) == 3  # three processes
    assert len({number for _, number, *_ in states}) == 3  # random state not shared
    assert {tuple(state[2:]) for state in states} == {
        (str(tmp_path), "seen", False, False, 4)  # no history database, In kept in memory
    }


def test_the_readme_showcase_runs(nbprod, tmp_path, monkeypatch):
    """`nbprod run iris_classifier.ipynb -p seed 1 --collect accuracy`, on a copy."""
    import shutil

    from tests.conftest import REPO

    monkeypatch.setenv("MPLBACKEND", "Agg")
    shutil.copy(REPO / "examples" / "notebooks" / "iris_classifier.ipynb", tmp_path)
    result = nbprod("run", "iris_classifier.ipynb", "-p", "seed", "1", "--collect", "accuracy")
    assert result.code == 0, result.err
    name, value = result.out.split(" = ")
    assert name == "accuracy" and 0.5 < float(value) <= 1.0
