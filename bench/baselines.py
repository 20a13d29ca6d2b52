"""Peer baselines: time the peer linters/converters alone (no nbprod) on the corpus.

    python3 bench/baselines.py            # timings -> bench/results/peer-baselines.json + tables
    python3 bench/baselines.py --survey   # also run each peer once per notebook, list failures

Run from the repository root. Results are recorded in bench/README.md,
section "Peer baselines (this machine)".
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, corpus_notebooks, markdown_table, peer, rel, row, timed, write_results

SMALL = "soorgeon-machine-learning-nb.ipynb"  # 5.8 kB, 22 code cells, nbformat 4.5


def main(survey: bool) -> None:
    load_before = os.getloadavg()
    nbs = corpus_notebooks()
    small = next(p for p in nbs if p.name == SMALL)
    ruff, nbqa, pynblint = peer("ruff"), peer("nbqa"), peer("pynblint")
    q = lambda paths: " ".join(shlex.quote(str(p)) for p in paths)
    tmp = Path(tempfile.mkdtemp(prefix="nbprod-bench-"))
    fix = lambda r: {**r, "cmd": r["cmd"].replace(str(tmp), "$TMP")}

    # ---- whole corpus, median of 3 -------------------------------------------------
    cache = tmp / "ruff-cache"
    timed([ruff, "check", "--isolated", "--cache-dir", cache, *nbs], repeat=1)  # prime the cache
    corpus_rows = [
        row(
            "ruff check (no cache)",
            timed([ruff, "check", "--isolated", "--no-cache", *nbs], cwd=REPO),
            len(nbs),
        ),
        row(
            "ruff check (warm cache)",
            timed([ruff, "check", "--isolated", "--cache-dir", cache, *nbs], cwd=REPO),
            len(nbs),
        ),
        row(
            "nbqa flake8",
            timed([nbqa, "flake8", *nbs, "--isolated"], cwd=REPO),
            len(nbs),
            "exit 123: nbQA cannot read the 2 nbformat-3 notebooks",
        ),
        row(
            "pynblint DIR (1 process)",
            timed([pynblint, "--yes", nbs[0].parent], cwd=REPO),
            35,
            "directory mode: recurses (35 nbs: +1 nested), adds repo-level rules",
        ),
        row(
            "pynblint NB (34 processes)",
            timed(
                f'rc=0; for nb in {q(nbs)}; do {shlex.quote(str(pynblint))} "$nb" || rc=$?; done; exit $rc',
                cwd=REPO,
            ),
            len(nbs),
            "one notebook per process (SOURCE is one path)",
        ),
    ]

    # ---- one small notebook, whole process, median of 5 ----------------------------
    one_rows = [
        row(
            "ruff check (no cache)",
            timed([ruff, "check", "--isolated", "--no-cache", small], cwd=REPO, repeat=5),
            1,
        ),
        row("nbqa flake8", timed([nbqa, "flake8", small, "--isolated"], cwd=REPO, repeat=5), 1),
        row("pynblint", timed([pynblint, small], cwd=REPO, repeat=5), 1),
    ]

    # ---- converters, one notebook, median of 3 -------------------------------------
    conv_rows = [
        row(
            "jupytext --to py:percent",
            timed([peer("jupytext"), "--to", "py:percent", "-o", tmp / "jt.py", small], cwd=REPO),
            1,
        ),
        row(
            "jupyter nbconvert --to script",
            timed(
                [
                    peer("jupyter"),
                    "nbconvert",
                    "--to",
                    "script",
                    "--output-dir",
                    tmp / "nbc",
                    small,
                ],
                cwd=REPO,
            ),
            1,
        ),
        row(
            "marimo convert",
            timed([peer("marimo"), "convert", small, "-o", tmp / "mo.py"], cwd=REPO),
            1,
        ),
    ]

    tables = {"corpus": corpus_rows, "one_notebook": one_rows, "convert": conv_rows}
    tables = {k: [fix(r) for r in v] for k, v in tables.items()}

    failures = {}
    if survey:  # which notebooks make which peer fail (beyond "found problems")
        ok_codes = {
            "ruff": {0, 1},
            "nbqa flake8": {0, 1},
            "pynblint": {0},
            "jupytext": {0},
            "nbconvert": {0},
            "marimo": {0},
        }
        tools = {
            "ruff": lambda nb: [ruff, "check", "--isolated", "--no-cache", nb],
            "nbqa flake8": lambda nb: [nbqa, "flake8", nb, "--isolated"],
            "pynblint": lambda nb: [pynblint, nb],
            "jupytext": lambda nb: [peer("jupytext"), "--to", "py:percent", "-o", tmp / "s.py", nb],
            "nbconvert": lambda nb: [
                peer("jupyter"),
                "nbconvert",
                "--to",
                "script",
                "--output-dir",
                tmp / "s",
                nb,
            ],
            "marimo": lambda nb: [peer("marimo"), "convert", nb, "-o", tmp / "s.py"],
        }
        # cwd = an empty dir: when nbQA cannot convert the only notebook it was given, it
        # runs flake8 with no path, and flake8 then lints the whole cwd (here: the venv).
        empty = tmp / "empty"
        empty.mkdir()
        for tool, mk in tools.items():
            for nb in nbs:
                r = timed(mk(nb), cwd=empty, repeat=1, tail=3, timeout=300)
                if r["returncode"] not in ok_codes[tool]:
                    failures.setdefault(tool, []).append(
                        {
                            "notebook": nb.name,
                            "returncode": r["returncode"],
                            "error": (r["stderr_tail"] or r["stdout_tail"]).replace(
                                str(tmp), "$TMP"
                            )[-300:],
                        }
                    )
            print(
                f"survey {tool}: {len(failures.get(tool, []))} of {len(nbs)} failed",
                file=sys.stderr,
            )

    out = write_results(
        "peer-baselines",
        [r | {"table": k} for k, v in tables.items() for r in v],
        corpus=rel(nbs[0].parent),
        small_notebook=SMALL,
        loadavg_before=load_before,
        survey_failures=failures,
    )
    for k, v in tables.items():
        print(f"\n### {k}\n\n{markdown_table(v)}\n")
        for r in v:
            print(f"    {r['cmd'] if len(r['cmd']) < 300 else r['cmd'][:300] + ' ...'}")
    for tool, fl in failures.items():
        print(
            f"\n{tool} failed on: " + ", ".join(f"{f['notebook']} ({f['returncode']})" for f in fl)
        )
    print(f"\nwrote {rel(out)}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(survey="--survey" in sys.argv)
