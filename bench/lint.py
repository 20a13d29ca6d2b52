"""Benchmark ``nbprod lint`` against ruff, nbQA + flake8 and pynblint on the shared corpus.

    python3 bench/lint.py    # tables -> bench/results/lint.json and bench/README.md ("lint")

Measured in one invocation, wall time of whole processes, median of 3:

* the whole corpus: nbprod cold (``--no-cache``) and warm (cache primed), ruff without and with
  its cache, nbQA + flake8, pynblint (directory mode);
* one small notebook, whole process: each tool, and nbprod again from a venv that also has
  jupyterlab installed (``bench/.nbprod-jlab-venv``, created on first use: there ``import
  nbformat`` costs over a second, so this shows that lint does not pay for it);
* the floor (``bench/lint_floor.py``): a whole process that only reads, decodes, validates,
  parses and runs ``symtable`` on every notebook, the part of a cold run that issue #3 itself
  requires, with no check at all: how far below it nbprod could still go;
* one notebook holding a secret-looking line (``api_key = "YOUR_API_KEY"``): a line that could
  hold a real secret costs importing detect-secrets and the ``requests`` it pulls in (~0.2 s);
* where nbprod's cold time goes, in one process whose imports are done: load, Python views,
  dataflow, source map, and each check (so the slow ones can be found).

nbprod's modules are byte-compiled first, as pip leaves an installed package. CPU time (user +
system of the whole process tree) is shown beside wall time: on a shared, loaded machine it is the
steadier measure.

Targets (issue #3): cold >= 10x faster than the faster of nbQA + flake8 and pynblint; warm within
2x of ruff's warm run; one notebook, whole process, <= 0.3 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    BENCH,
    REPO,
    corpus_notebooks,
    markdown_table,
    nbprod_cmd,
    peer,
    rel,
    row,
    timed,
    write_readme_section,
    write_results,
)

SMALL = "soorgeon-machine-learning-nb.ipynb"  # 5.8 kB, 22 code cells (as in baselines.py)
SECRET_LINE = "mwml-benchmarks.ipynb"  # openai.api_key = "YOUR_API_KEY": a secret-looking line
FLOOR = BENCH / "lint_floor.py"
JLAB_VENV = BENCH / ".nbprod-jlab-venv"
README = BENCH / "README.md"
START, END = "<!-- lint:start -->", "<!-- lint:end -->"


def jlab_python() -> Path:
    """The interpreter of a venv holding nbprod (editable) and jupyterlab; built on first use."""
    python = JLAB_VENV / "bin" / "python"
    if not (JLAB_VENV / ".ready").exists():
        print(f"bench: creating {rel(JLAB_VENV)} (nbprod + jupyterlab)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(JLAB_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", str(REPO), "jupyterlab"],
            check=True,
        )
        (JLAB_VENV / ".ready").write_text("ok\n")
    return python


def import_cost(python: Path, module: str) -> float:
    """Seconds ``import module`` takes in a fresh ``python`` (median of 3)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = sorted(
        float(
            subprocess.run(
                [str(python), "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    )
    return runs[1]


def profile(paths: list[Path]) -> list[tuple[str, float]]:
    """CPU seconds per stage of a cold lint of ``paths`` in this process (all rules), measured
    on a second pass: the first pays the imports, which would land in whichever stage came first."""
    from nbprod.lint.registry import CHECKS, Context, load_rules
    from nbprod.notebook import Location, loads_notebook

    rules = load_rules()
    raws = [(str(p), p.read_bytes()) for p in paths]

    def one_pass() -> dict[str, float]:
        spent: dict[str, float] = defaultdict(float)
        for path, raw in raws:
            t = time.process_time()
            nb = loads_notebook(raw, path)
            spent["load + validate"] += time.process_time() - t
            t = time.process_time()
            for cell in nb.code_cells:
                nb.view(cell)
            spent["Python views (magics)"] += time.process_time() - t
            t = time.process_time()
            for cell in nb.code_cells:
                nb.flow(cell)
            spent["dataflow"] += time.process_time() - t
            t = time.process_time()
            nb.physical(Location(1))  # builds the notebook's source map
            spent["source map (json, sarif, github only)"] += time.process_time() - t
            for code in sorted(rules):
                t = time.process_time()
                try:
                    list(CHECKS[code](nb, Context()))
                except Exception:  # noqa: BLE001 - the engine reports these; only time counts
                    pass
                spent[f"check {code}"] += time.process_time() - t
        return spent

    one_pass()
    return sorted(one_pass().items(), key=lambda kv: -kv[1])


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def main() -> None:
    nbs = corpus_notebooks()
    small = next(p for p in nbs if p.name == SMALL)
    ruff, nbqa, pynblint = peer("ruff"), peer("nbqa"), peer("pynblint")
    nbprod = nbprod_cmd()
    # as pip leaves an installed package: bytecode present (PYTHONDONTWRITEBYTECODE=1 environments
    # would otherwise compile every nbprod module on every run; the peers' venv has its bytecode)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "nbprod")], check=True
    )
    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-lint-"))  # cwd: nbprod's cache goes here
    ruff_cache = work / "ruff-cache"

    def lint_rows(paths: list[Path], repeat: int) -> list[dict]:
        n = len(paths)
        timed([*nbprod, "lint", "--exit-zero", *paths], cwd=work, repeat=1)  # prime the cache
        timed([ruff, "check", "--isolated", "--cache-dir", ruff_cache, *paths], repeat=1)
        rows = [
            row(
                "nbprod lint --no-cache (cold)",
                timed([*nbprod, "lint", "--no-cache", *paths], cwd=work, repeat=repeat),
                n,
            ),
            row(
                "nbprod lint (warm cache)",
                timed([*nbprod, "lint", *paths], cwd=work, repeat=repeat),
                n,
            ),
            row(
                "ruff check --no-cache",
                timed([ruff, "check", "--isolated", "--no-cache", *paths], repeat=repeat),
                n,
            ),
            row(
                "ruff check (warm cache)",
                timed(
                    [ruff, "check", "--isolated", "--cache-dir", ruff_cache, *paths], repeat=repeat
                ),
                n,
            ),
            row(
                "nbqa flake8",
                timed([nbqa, "flake8", *paths, "--isolated"], cwd=work, repeat=repeat),
                n,
            ),
        ]
        if n > 1:
            rows.append(
                row(
                    "pynblint DIR",
                    timed([pynblint, "--yes", paths[0].parent], cwd=work, repeat=repeat),
                    n,
                    "directory mode",
                )
            )
        else:
            rows.append(row("pynblint", timed([pynblint, *paths], cwd=work, repeat=repeat), n))
        return rows

    load_before = os.getloadavg()[0]
    corpus_rows = lint_rows(nbs, repeat=3)
    for jobs in (1, 2):
        corpus_rows.append(
            row(
                f"floor, {jobs} process{'es' if jobs > 1 else ''}: read + JSON + validate + "
                "parse + symtable",
                timed([sys.executable, FLOOR, "--jobs", str(jobs), *nbs], cwd=work, repeat=3),
                len(nbs),
                "no check: bench/lint_floor.py",
            )
        )
    one_rows = lint_rows([small], repeat=5)
    secret = next(p for p in nbs if p.name == SECRET_LINE)
    one_rows.append(
        row(
            f"nbprod lint --no-cache, {SECRET_LINE}",
            timed([*nbprod, "lint", "--no-cache", secret], cwd=work, repeat=5),
            1,
            'openai.api_key = "YOUR_API_KEY": a placeholder, detect-secrets not imported',
        )
    )
    jlab = jlab_python()
    one_rows.append(
        row(
            "nbprod lint --no-cache, venv with jupyterlab",
            timed([jlab, "-m", "nbprod", "lint", "--no-cache", small], cwd=work, repeat=5),
            1,
            f"`import nbformat` there: {import_cost(jlab, 'nbformat'):.2f} s",
        )
    )
    stages = profile(nbs)
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"

    sec = {r["tool"]: r["seconds"] for r in corpus_rows}
    cpu = {r["tool"]: r["cpu"] for r in corpus_rows}
    one = {r["tool"]: r["seconds"] for r in one_rows}
    fast_peer = min(("nbqa flake8", "pynblint DIR"), key=sec.get)
    floor = min(v for k, v in sec.items() if k.startswith("floor"))
    cold, warm = "nbprod lint --no-cache (cold)", "nbprod lint (warm cache)"
    ruff_warm = "ruff check (warm cache)"
    worst_one = max(one[cold], one["nbprod lint --no-cache, venv with jupyterlab"])
    targets = [
        (
            f"cold >= 10x faster than the faster of nbQA+flake8 and pynblint ({fast_peer})",
            f"{ratio(sec[fast_peer], sec[cold])} wall ({sec[fast_peer]:.2f} s vs "
            f"{sec[cold]:.2f} s), {ratio(cpu[fast_peer], cpu[cold])} CPU. 10x means <= "
            f"{sec[fast_peer] / 10:.2f} s; the floor alone takes {floor:.2f} s "
            f"({ratio(sec[fast_peer], floor)})",
            sec[fast_peer] / sec[cold] >= 10,
        ),
        (
            "warm within 2x of ruff's warm run",
            f"{ratio(sec[warm], sec[ruff_warm])} of ruff's wall ({sec[warm]:.3f} s vs "
            f"{sec[ruff_warm]:.3f} s), {ratio(cpu[warm], cpu[ruff_warm])} of its CPU",
            sec[warm] <= 2 * sec[ruff_warm],
        ),
        (
            "one notebook, whole process <= 0.3 s",
            f"{worst_one:.3f} s (worst of the two venvs)",
            worst_one <= 0.3,
        ),
        (
            "... for a notebook with a secret-looking line",
            f"{one[f'nbprod lint --no-cache, {SECRET_LINE}']:.3f} s",
            one[f"nbprod lint --no-cache, {SECRET_LINE}"] <= 0.3,
        ),
    ]
    out = write_results(
        "lint",
        [
            r | {"table": t}
            for t, rs in (("corpus", corpus_rows), ("one_notebook", one_rows))
            for r in rs
        ],
        corpus=rel(nbs[0].parent),
        small_notebook=SMALL,
        stages=dict(stages),
        targets=[list(t) for t in targets],
    )
    total = sum(s for _, s in stages)
    top = stages[:12]
    section = "\n".join(
        [
            START,
            "## lint",
            "",
            f"`python3 bench/lint.py` on {len(nbs)} corpus notebooks ({rel(nbs[0].parent)}), "
            f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {load}. Wall time and CPU "
            "time (user + system, all processes) of whole processes, median of 3 (one notebook: "
            'of 5); "x vs nbprod" is relative to nbprod\'s cold run. Wall times compare only at '
            "a load average well below the number of cores.",
            "",
            "### Whole corpus",
            "",
            markdown_table(corpus_rows),
            "",
            f"### One notebook ({SMALL}), whole process",
            "",
            markdown_table(one_rows),
            "",
            "### Targets",
            "",
            "| target | measured | met |",
            "|---|---|---|",
            *[f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in targets],
            "",
            f"### Where the cold time goes (one process, imports done, all rules, {total:.2f} CPU "
            "seconds)",
            "",
            "| stage | CPU seconds | share |",
            "|---|---:|---:|",
            *[f"| {name} | {s:.3f} | {100 * s / total:.0f}% |" for name, s in top],
            END,
        ]
    )
    write_readme_section("lint", section)
    print(section)
    print(f"\nwrote {rel(out)} and the lint section of {rel(README)}")


if __name__ == "__main__":
    main()
