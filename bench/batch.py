"""Batch benchmark: a 4x4 grid of a notebook that sleeps 0.5 s per run, 2 jobs, in one invocation.

    python3 bench/batch.py              # all rows -> bench/results/batch.json + markdown tables
    python3 bench/batch.py --repeat 1   # quicker
    python3 bench/batch.py --only 'local, 2 jobs)' --single 0   # nbprod's own row only

Rows (whole processes, start-up included, median of --repeat):
  nbprod batch (local executor; again with NBPROD_KERNEL_FORK=0, kernels started as new
  interpreters instead of forked from a warm template), nbprod batch --executor dask
  (LocalCluster start included),
  papermill sequential loop (Python API, one process), papermill in 2 threads (Python API),
  ploomber grid with its Parallel executor (2 processes, from bench/.peers-venv).
Also: nbprod's overhead per single run against papermill's Python API in one warm process
(median of --single runs each, a trivial notebook), and `nbprod --help`.

The ideal for the grid is 16 x 0.5 s / 2 = 4 s; every kernel start costs CPU on top.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, nbprod_cmd, peer, row, timed, write_results  # noqa: E402

GRID = "grid:\n  a: [1, 2, 3, 4]\n  b: [1, 2, 3, 4]\n"
RUNS = 16


def notebook(sleep_cells: tuple[float, ...]) -> dict:
    """A notebook with a parameters cell (with ploomber's ``upstream``/``product``) and cells
    sleeping ``sleep_cells`` seconds."""
    cells = [
        {
            "cell_type": "code",
            "id": "p",
            "metadata": {"tags": ["parameters"]},
            "execution_count": None,
            "outputs": [],
            "source": "a = 1\nb = 1\nupstream = None\nproduct = None\n",
        },
        {
            "cell_type": "code",
            "id": "i",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "import time\n",
        },
    ]
    for i, seconds in enumerate(sleep_cells):
        cells.append(
            {
                "cell_type": "code",
                "id": f"s{i}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": f"time.sleep({seconds})\nresult = a * b\n",
            }
        )
    return {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    }


PAPERMILL = textwrap.dedent("""
    import itertools, sys
    from concurrent.futures import ThreadPoolExecutor
    import papermill as pm
    jobs = int(sys.argv[1])
    points = [dict(a=a, b=b) for a, b in itertools.product([1, 2, 3, 4], repeat=2)]
    def one(i_p):
        i, p = i_p
        pm.execute_notebook("sleep.ipynb", f"pm-out/{i}.ipynb", parameters=p, progress_bar=False)
    if jobs == 1:
        list(map(one, enumerate(points)))
    else:
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, enumerate(points)))
""")

PLOOMBER = """
executor:
  dotted_path: ploomber.executors.Parallel
  processes: 2
tasks:
  - source: sleep.ipynb
    name: run-
    product: out/run.ipynb
    grid:
      a: [1, 2, 3, 4]
      b: [1, 2, 3, 4]
"""

SINGLE = textwrap.dedent("""
    import json, statistics, sys, time
    import papermill as pm
    from nbprod.run import run_notebook
    n = int(sys.argv[1])
    def timed(fn):
        out = []
        for _ in range(n):
            t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
        return out
    pm_api = lambda: pm.execute_notebook("trivial.ipynb", "pm-single.ipynb", parameters={"a": 2},
                                         progress_bar=False)
    nb_api = lambda: run_notebook("trivial.ipynb", {"a": 2}, store="single-store")
    pm_api(); nb_api()  # warm: imports, fingerprint cache
    rounds = [(timed(pm_api), timed(nb_api)) for _ in range(2)]
    pm_times = [t for r in rounds for t in r[0]]; nb_times = [t for r in rounds for t in r[1]]
    print(json.dumps({"papermill": pm_times, "nbprod": nb_times}))
""")


def main(repeat: int, single: int, only: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-batch-"))
    (work / "sleep.ipynb").write_text(json.dumps(notebook((0.25, 0.25))))
    (work / "trivial.ipynb").write_text(json.dumps(notebook(())))
    (work / "grid.yaml").write_text(GRID)
    (work / "pipeline.yaml").write_text(PLOOMBER)
    (work / "pm-out").mkdir()
    fix = lambda r: {**r, "cmd": r["cmd"].replace(str(work), "$TMP")}  # noqa: E731
    clean = f"rm -rf {work}/.nbprod {work}/out {work}/pm-out/* {work}/.ploomber;"
    batch = f"{clean} {' '.join(nbprod_cmd())} batch sleep.ipynb --grid grid.yaml -j 2"
    py = sys.executable

    # tool -> (how to time it, note); timed only when selected by --only
    specs = {
        "nbprod batch (local, 2 jobs)": (
            lambda: timed(f"{batch} --collect result", cwd=work, repeat=repeat),
            "",
        ),
        "nbprod batch (local, 2 jobs, NBPROD_KERNEL_FORK=0)": (
            lambda: timed(
                f"{batch} --collect result",
                cwd=work,
                env={"NBPROD_KERNEL_FORK": "0"},
                repeat=repeat,
            ),
            "every kernel a new interpreter",
        ),
        "nbprod batch --executor dask (LocalCluster 2x1)": (
            lambda: timed(f"{batch} --executor dask --collect result", cwd=work, repeat=repeat),
            "cluster start included",
        ),
        "papermill, sequential loop (API)": (
            lambda: timed([py, "-c", PAPERMILL, "1"], cwd=work, repeat=repeat),
            "",
        ),
        "papermill, 2 threads (API)": (
            lambda: timed([py, "-c", PAPERMILL, "2"], cwd=work, repeat=repeat),
            "",
        ),
        "ploomber grid + Parallel(2)": (
            lambda: timed(f"{clean} {peer('ploomber')} build --force", cwd=work, repeat=repeat),
            "",
        ),
    }
    rows = [
        fix(row(tool, measure(), RUNS, note))
        for tool, (measure, note) in specs.items()
        if only is None or only in tool
    ]
    print(markdown_table(rows))

    overhead: dict = {}
    if single:
        done = timed([py, "-c", SINGLE, str(single)], cwd=work, repeat=1, tail=5)
        if done["returncode"] == 0:
            per_run = json.loads(done["stdout_tail"].splitlines()[-1])
            overhead = {
                k: {"median": statistics.median(v), "min": min(v), "runs": v}
                for k, v in per_run.items()
            }
            pm, nb = overhead["papermill"]["median"], overhead["nbprod"]["median"]
            print(
                f"\nsingle run, warm process, median of {2 * single}: papermill API {pm:.3f} s, "
                f"nbprod run_notebook {nb:.3f} s, overhead {1000 * (nb - pm):+.0f} ms"
            )
        else:
            print("\nsingle run failed:", done["stderr_tail"])
    help_rows = [
        fix(row("nbprod --help", timed([*nbprod_cmd(), "--help"], repeat=7), 0)),
        fix(row("nbprod run --help", timed([*nbprod_cmd(), "run", "--help"], repeat=7), 0)),
    ]
    for r in help_rows:
        print(f"{r['tool']}: {r['seconds']:.3f} s (median of 7)")
    if only is None and single:  # a partial run does not replace the stored results
        write_results("batch", rows, single_run=overhead, help=help_rows)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--single", type=int, default=5, help="runs per side of the single-run overhead (0: skip)"
    )
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="time only the rows whose tool contains TEXT, e.g. 'local, 2 jobs)' "
        "(bench/results/batch.json is then left as it is)",
    )
    args = parser.parse_args()
    main(args.repeat, args.single, args.only)
