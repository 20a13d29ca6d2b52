"""Extraction benchmark: nbprod extract against jupytext, nbconvert, soorgeon + ploomber build and
marimo convert, on the same notebooks in the same run.

    python3 bench/extract.py                 # all notebooks; tables for bench/README.md
    python3 bench/extract.py --repeat 1 --only iris_classifier
    python3 bench/extract.py --phases examples/notebooks/customer_churn.ipynb   # time per step

Notebooks: the 5 of examples/notebooks and every corpus notebook whose manifest says it ran to
the end in the `latest` environment (this machine's), each in a scratch copy laid out as the
corpus README says (data files around it, notebook in `run_cwd`). For each tool:

1. **convert**: the tool's command, whole process, wall and CPU time (median of --repeat);
2. **runs**: its output executed with plain python in the notebook's directory (exit 0);
3. **reproduces**: the values the output ends with, summarised by nbprod.extract.values, equal
   the notebook's own (executed once with papermill by ``nbprod extract --verify``).

nbprod is timed without goldens (``--no-goldens``) with black's cache empty (cold: the
once-per-machine compiled schema validators are kept, as on any machine nbprod ran on) and kept
(warm), with goldens (the notebook is executed), and ``--check`` (the pre-commit
hook). Peers run from bench/.peers-venv; every output runs with this interpreter (marimo's with
the peers' site-packages appended, for ``import marimo``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    CORPUS,
    PEERS_VENV,
    REPO,
    manifest,
    markdown_table,
    nbprod_cmd,
    peer,
    rel,
    timed,
    write_results,
)

EXAMPLES = REPO / "examples" / "notebooks"
TOOLS = ("nbprod", "jupytext", "nbconvert", "marimo", "soorgeon")
ENV = {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

#: runs an exported script, then writes the summaries of the names it ends with (argv: script out)
HARNESS = """
import json, runpy, sys
from nbprod.extract.values import summarize
script, out, kind = sys.argv[1:4]
if kind == "marimo":
    app = runpy.run_path(script, run_name="nbprod_bench")["app"]
    names = dict(app.run()[1])
else:
    names = runpy.run_path(script, run_name="__main__")
values = {k: summarize(v) for k, v in names.items() if not k.startswith("__")}
json.dump({k: v for k, v in values.items() if v is not None}, open(out, "w"), default=repr)
"""


#: one extraction in one process, timed step by step (CPU seconds; argv: notebook, scratch dir)
PHASES = """
import os, sys, time
t = time.process_time
marks = {}
start = t()
import libcst, nbprod.extract.plan
marks["import libcst and nbprod"] = t() - start
from nbprod.notebook import load_notebook
from nbprod.extract.plan import plan_notebook
from nbprod.extract.render import Target, render_project
from nbprod.extract.goldens import execute_notebook
now = t(); nb = load_notebook(sys.argv[1]); marks["load the notebook"] = t() - now
now = t(); plan = plan_notebook(nb, "pkg"); marks["plan (transforms + dataflow)"] = t() - now
os.environ["XDG_CACHE_HOME"] = sys.argv[2]
now = t(); import black; marks["import black"] = t() - now
now = t(); render_project(plan, Target("../nb.ipynb")); marks["render, black cache empty"] = t() - now
now = t(); render_project(plan, Target("../nb.ipynb")); marks["render, black cache kept"] = t() - now
now = time.perf_counter(); run = execute_notebook(nb, plan)
marks["goldens: papermill run (wall)"] = time.perf_counter() - now
for k, v in marks.items():
    print(f"| {k} | {v:.3f} |")
"""


def phases(notebook: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nbprod-bench-phases-"))
    result = timed(
        [sys.executable, "-c", PHASES, notebook.resolve(), tmp],
        cwd=REPO,
        env=ENV,
        repeat=1,
        timeout=900,
        tail=20,
    )
    print(
        f"### Where the time goes: {rel(notebook)}, one process\n\n| step | seconds |\n|---|---:|"
    )
    print(result["stdout_tail"] or result["stderr_tail"])
    shutil.rmtree(tmp, ignore_errors=True)


def notebooks() -> list[tuple[str, Path, Path | None]]:
    """(name, notebook, folder to copy with it or None); the notebook sits in its run_cwd."""
    out = [(p.stem, p, None) for p in sorted(EXAMPLES.glob("*.ipynb"))]
    for entry in manifest():
        if ((entry.get("run_results") or {}).get("latest") or {}).get("ok"):
            folder = CORPUS / entry["run_cwd"].split("/")[0] if entry.get("run_cwd") else None
            out.append((Path(entry["file"]).stem, CORPUS / entry["file"], folder))
    return out


def scratch(base: Path, name: str, notebook: Path, folder: Path | None) -> Path:
    """A fresh copy of the notebook (and its data); returns the notebook's path in it."""
    root = base / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    where = root
    if folder is not None:
        shutil.copytree(folder, root / folder.name)
        entry = next(e for e in manifest() if e["file"] == notebook.name)
        where = root / entry["run_cwd"]
    shutil.copy(notebook, where)
    return where / notebook.name


def convert_command(tool: str, nb: Path, out: Path) -> list:
    return {
        "jupytext": [peer("jupytext"), "--to", "py:percent", "-o", out / "script.py", nb],
        "nbconvert": [
            peer("jupyter"),
            "nbconvert",
            "--to",
            "script",
            "--output-dir",
            out,
            "--output",
            "script",
            nb,
        ],
        "marimo": [peer("marimo"), "convert", nb, "-o", out / "script.py"],
        "soorgeon": [peer("soorgeon"), "refactor", nb],
    }[tool]


def run_values(tool: str, script: Path, cwd: Path, out: Path) -> dict:
    env = dict(ENV)
    if tool == "marimo":
        site = next((PEERS_VENV / "lib").glob("python*/site-packages"))
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(site)])
    result = timed(
        [sys.executable, "-c", HARNESS, script, out, tool],
        cwd=cwd,
        env=env,
        repeat=1,
        timeout=900,
        tail=3,
    )
    values = json.loads(out.read_text()) if result["returncode"] == 0 and out.exists() else None
    return {
        "returncode": result["returncode"],
        "seconds": result["median"],
        "values": values,
        "error": result["stderr_tail"][-300:],
    }


def reproduces(
    reference: dict, values: dict | None, nondeterministic: set[str]
) -> tuple[bool, int]:
    from nbprod.extract.values import MATCHING, compare

    if values is None:
        return False, 0  # it did not run to the end
    if not reference:  # the notebook ends with no values (it only prints): running is all
        return True, 0
    bad = [
        n
        for n, s in reference.items()
        if compare(s, values.get(n), n not in nondeterministic)[0] not in MATCHING
    ]
    return not bad, len(reference) - len(bad)


def bench_nbprod(name: str, nb: Path, base: Path, repeat: int) -> dict:
    out = base / "nbprod-out"
    # Cold: black's cache empty, as for a notebook never extracted on this machine. The
    # once-per-machine files (nbformat's compiled schema validators) are kept, as in real use.
    machine = base / "cache-machine"
    subprocess.run(
        [*nbprod_cmd(), "lint", "--no-cache", "--exit-zero", nb],
        env={**ENV, "XDG_CACHE_HOME": str(machine)},
        capture_output=True,
        check=True,
    )
    cold = []
    for i in range(repeat):
        cache = base / f"cache-cold-{i}"
        shutil.copytree(machine, cache, dirs_exist_ok=True)
        r = timed(
            [*nbprod_cmd(), "extract", nb, "-o", out, "--no-goldens", "--force"],
            cwd=nb.parent,
            env={**ENV, "XDG_CACHE_HOME": str(cache)},
            repeat=1,
        )
        cold.append(r)
    warm_env = {**ENV, "XDG_CACHE_HOME": str(base / "cache-warm")}
    warm = timed(
        [*nbprod_cmd(), "extract", nb, "-o", out, "--no-goldens", "--force"],
        cwd=nb.parent,
        env=warm_env,
        repeat=repeat + 1,
    )
    check = timed(
        [*nbprod_cmd(), "extract", "--check", nb, "-o", out],
        cwd=nb.parent,
        env=warm_env,
        repeat=repeat,
    )
    verify = timed(
        [*nbprod_cmd(), "extract", nb, "-o", base / "nbprod-verify", "--force", "--verify"],
        cwd=nb.parent,
        env=warm_env,
        repeat=1,
        timeout=1800,
        tail=5,
    )
    goldens = sorted((base / "nbprod-verify" / "tests" / "goldens").glob("*.json"))
    doc = json.loads(goldens[0].read_text()) if goldens else {}
    package = (
        next(
            (p.name for p in (base / "nbprod-verify").iterdir() if (p / "pipeline.py").exists()),
            None,
        )
        if goldens
        else None
    )
    runs = (
        timed(
            [sys.executable, "-m", package or "missing"],
            cwd=nb.parent,
            env={**ENV, "PYTHONPATH": str(base / "nbprod-verify")},
            repeat=1,
            timeout=900,
        )
        if package
        else {"returncode": -1}
    )
    return {
        "cold": statistics.median(r["median"] for r in cold),
        "cold_cpu": statistics.median(r["cpu"] for r in cold),
        "warm": warm["median"],
        "warm_cpu": warm["cpu"],
        "check": check["median"],
        "check_cpu": check["cpu"],
        "with_verify": verify["median"],
        "with_verify_cpu": verify["cpu"],
        "converted": cold[-1]["returncode"] == 0,
        "runs": runs["returncode"] == 0,
        "reproduces": verify["returncode"] == 0,
        "reference": doc.get("results", {}),
        "nondeterministic": doc.get("nondeterministic", []),
        "error": (
            ""
            if verify["returncode"] == 0
            else verify["stdout_tail"][-300:] + verify["stderr_tail"][-300:]
        ),
    }


def bench_peer(
    tool: str, nb: Path, base: Path, repeat: int, reference: dict, nondeterministic: set[str]
) -> dict:
    out = base / f"{tool}-out"
    out.mkdir(exist_ok=True)
    converted = timed(
        convert_command(tool, nb, out), cwd=nb.parent, env=ENV, repeat=repeat, timeout=900, tail=3
    )
    result = {
        "seconds": converted["median"],
        "cpu": converted["cpu"],
        "converted": converted["returncode"] == 0,
    }
    if tool == "soorgeon":  # refactors in place into a ploomber pipeline; its data goes by pickles
        build = timed(
            [peer("ploomber"), "build", "--force"],
            cwd=nb.parent,
            env=ENV,
            repeat=1,
            timeout=900,
            tail=3,
        )
        return {
            **result,
            "runs": result["converted"] and build["returncode"] == 0,
            "reproduces": None,
            "error": (converted["stderr_tail"] or build["stderr_tail"])[-300:],
        }
    script = out / "script.py"
    if not result["converted"] or not script.exists():
        return {
            **result,
            "runs": False,
            "reproduces": False,
            "error": converted["stderr_tail"][-300:],
        }
    ran = run_values(tool, script, nb.parent, out / "values.json")
    same, matched = reproduces(reference, ran["values"], nondeterministic)
    return {
        **result,
        "runs": ran["returncode"] == 0,
        "reproduces": same,
        "matched": matched,
        "error": ran["error"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="notebook name (stem) to run alone")
    parser.add_argument(
        "--phases", type=Path, metavar="NOTEBOOK", help="time each step of one extraction instead"
    )
    args = parser.parse_args()
    if args.phases:
        if not args.phases.is_file():
            parser.error(f"--phases {args.phases}: no such notebook (give its path)")
        return phases(args.phases)
    tmp = Path(tempfile.mkdtemp(prefix="nbprod-bench-extract-"))
    load_before = os.getloadavg()[0]
    per_notebook = []
    for name, notebook, folder in notebooks():
        if args.only and name != args.only:
            continue
        entry = {"notebook": name}
        nb = scratch(tmp / "nbprod", name, notebook, folder)
        entry["nbprod"] = bench_nbprod(name, nb, nb.parent, args.repeat)
        reference, nondet = entry["nbprod"].pop("reference"), set(
            entry["nbprod"].pop("nondeterministic")
        )
        for tool in TOOLS[1:]:
            nb = scratch(tmp / tool, name, notebook, folder)
            entry[tool] = bench_peer(tool, nb, nb.parent, args.repeat, reference, nondet)
        entry["values"] = len(reference)
        per_notebook.append(entry)
        print(
            f"{name}: "
            + ", ".join(
                f"{t} {'R' if entry[t].get('reproduces') else 'r' if entry[t].get('runs') else 'x'}"
                for t in TOOLS
            ),
            file=sys.stderr,
        )
    rows = summary_rows(per_notebook)
    out = write_results(
        "extract",
        rows,
        per_notebook=per_notebook,
        loadavg_before=load_before,
        loadavg_after=os.getloadavg()[0],
        repeat=args.repeat,
    )
    print(markdown_table(rows))
    print()
    print(per_notebook_table(per_notebook))
    print(f"\nwrote {rel(out)}")
    shutil.rmtree(tmp, ignore_errors=True)


def summary_rows(per_notebook: list[dict]) -> list[dict]:
    n = len(per_notebook)

    def count(tool, key):
        return sum(1 for e in per_notebook if e[tool].get(key))

    def line(tool, label, seconds, cpu, note):
        return {
            "tool": label,
            "seconds": statistics.median(seconds),
            "cpu": statistics.median(cpu),
            "notebooks": 1,
            "returncode": "",
            "note": note,
        }

    nb = [e["nbprod"] for e in per_notebook]
    rows = [
        line(
            "nbprod",
            "nbprod extract --no-goldens (cold cache)",
            [x["cold"] for x in nb],
            [x["cold_cpu"] for x in nb],
            f"converted {count('nbprod', 'converted')}/{n}, runs {count('nbprod', 'runs')}/{n}, reproduces {count('nbprod', 'reproduces')}/{n}",
        ),
        line(
            "nbprod",
            "nbprod extract --no-goldens (warm cache)",
            [x["warm"] for x in nb],
            [x["warm_cpu"] for x in nb],
            "black's output cached",
        ),
        line(
            "nbprod",
            "nbprod extract --check (warm)",
            [x["check"] for x in nb],
            [x["check_cpu"] for x in nb],
            "the pre-commit hook",
        ),
        line(
            "nbprod",
            "nbprod extract --verify",
            [x["with_verify"] for x in nb],
            [x["with_verify_cpu"] for x in nb],
            "notebook by papermill + package by python",
        ),
    ]
    for tool in TOOLS[1:]:
        reproduced = "-" if tool == "soorgeon" else f"{count(tool, 'reproduces')}/{n}"
        rows.append(
            line(
                tool,
                tool,
                [e[tool]["seconds"] for e in per_notebook],
                [e[tool]["cpu"] for e in per_notebook],
                f"converted {count(tool, 'converted')}/{n}, runs {count(tool, 'runs')}/{n}, reproduces {reproduced}",
            )
        )
    return rows


def per_notebook_table(per_notebook: list[dict]) -> str:
    lines = [
        "| notebook | values | " + " | ".join(TOOLS) + " |",
        "|---|---:|" + "---|" * len(TOOLS),
    ]
    for e in per_notebook:
        cells = []
        for tool in TOOLS:
            t = e[tool]
            state = (
                "reproduces"
                if t.get("reproduces")
                else "runs" if t.get("runs") else "converted" if t.get("converted") else "fails"
            )
            seconds = t["cold"] if tool == "nbprod" else t["seconds"]
            cells.append(f"{state}, {seconds:.2f} s")
        lines.append(f"| {e['notebook']} | {e['values']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
