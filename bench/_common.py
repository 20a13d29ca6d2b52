"""Shared helpers for nbprod's benchmark scripts (bench/lint.py, extract.py, batch.py, hook.py).

Each script times nbprod and its peers on the same inputs in the same invocation,
then prints a markdown table and stores the raw numbers:

    from _common import CORPUS, corpus_notebooks, peer, timed, row, write_results, markdown_table

    nbs = corpus_notebooks()                      # the manifest's notebooks (paths)
    rows = [row("ruff", timed([peer("ruff"), "check", "--isolated", "--no-cache", *nbs]), len(nbs))]
    write_results("lint", rows)                    # -> bench/results/lint.json
    print(markdown_table(rows))                    # paste into bench/README.md

Conventions:
  * Peers live only in bench/.peers-venv (bash bench/setup-peers.sh); `peer(name)` builds it
    on first use. nbprod itself runs from the current interpreter (`nbprod_cmd()`).
  * The corpus is REPO/../shared/corpus unless NBPROD_CORPUS says otherwise.
  * Timings are wall-clock seconds of whole subprocesses (start-up included), median of
    `repeat` runs. Files are in the OS page cache after the first run; "cold" below means
    "no tool-level cache", not "cold disk".
  * Nothing written by these helpers contains this machine's absolute paths: `rel()`
    rewrites them relative to the repository (e.g. ../shared/corpus/x.ipynb).

Pure stdlib; nbprod is never imported here.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PEERS_VENV = BENCH / ".peers-venv"
RESULTS = BENCH / "results"
CORPUS = Path(os.environ.get("NBPROD_CORPUS") or REPO.parent / "shared" / "corpus").resolve()

_peers_ready = False


def require_corpus() -> Path:
    """Return CORPUS, or exit with a clear message if it (or its manifest) is missing."""
    if not (CORPUS / "manifest.json").is_file():
        raise SystemExit(
            f"bench: corpus not found: {CORPUS}/manifest.json is missing.\n"
            "Expected the shared corpus beside the repository (../shared/corpus);"
            " set NBPROD_CORPUS=/path/to/corpus to use another one."
        )
    return CORPUS


def manifest() -> list[dict]:
    """The corpus manifest entries (see the corpus README for the fields)."""
    return json.loads((require_corpus() / "manifest.json").read_text(encoding="utf-8"))


def corpus_notebooks(filter: str | Callable[[dict], bool] | None = None) -> list[Path]:
    """Paths of the corpus notebooks listed in manifest.json, in manifest order.

    `filter` is None (all), a string matched against an entry's categories, features,
    kernel_language or file name (e.g. "parameters", "magics", "python"), or a callable
    taking the manifest entry and returning True to keep it.
    """

    def keep(e: dict) -> bool:
        if filter is None:
            return True
        if callable(filter):
            return bool(filter(e))
        tags = {
            *e.get("categories", []),
            *e.get("features", []),
            e.get("kernel_language"),
            e["file"],
        }
        return filter in tags

    return [CORPUS / e["file"] for e in manifest() if keep(e)]


def peer(name: str) -> Path:
    """Path to executable `name` in bench/.peers-venv, creating/refreshing the venv once per process."""
    global _peers_ready
    exe = PEERS_VENV / "bin" / name
    if not _peers_ready:
        # setup-peers.sh is a ~0.2 s no-op when the venv matches requirements-peers.txt.
        subprocess.run(["bash", str(BENCH / "setup-peers.sh")], check=True)
        _peers_ready = True
    if not exe.exists():
        raise SystemExit(
            f"bench: {rel(exe)} not found after setup; is it in requirements-peers.txt?"
        )
    return exe


def nbprod_cmd() -> list[str]:
    """Command prefix running nbprod from the current interpreter (import happens in the child)."""
    return [sys.executable, "-m", "nbprod"]


def rel(obj):
    """Rewrite absolute paths under REPO's parent as repo-relative ('bench/..', '../shared/..').

    Works on str/Path and recursively on lists, tuples and dicts (used for everything written).
    """
    if isinstance(obj, Path):
        obj = str(obj)
    if isinstance(obj, str):
        return (
            obj.replace(str(REPO) + "/", "")
            .replace(str(REPO), ".")
            .replace(str(REPO.parent) + "/", "../")
        )
    if isinstance(obj, Mapping):
        return {k: rel(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rel(v) for v in obj]
    return obj


def cmd_str(cmd: str | Sequence) -> str:
    """A command as a copy-pastable shell string, paths relative to the repo."""
    return rel(cmd if isinstance(cmd, str) else shlex.join(str(c) for c in cmd))


def timed(
    cmd: str | Sequence,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    repeat: int = 3,
    timeout: float | None = 1800,
    tail: int = 15,
) -> dict:
    """Run `cmd` `repeat` times and measure wall time of each whole subprocess.

    cmd: argv list (Paths allowed) or a string run through `bash -c` (for loops/pipes).
    env: variables added to (not replacing) os.environ.
    Returns dict(median, min, runs, cpu, cpu_runs, returncode, returncodes, stdout_tail,
    stderr_tail, cmd): wall seconds; cpu = median user+sys CPU seconds of the process tree
    (less sensitive than wall time to other load on the machine). returncode is the last
    run's; a timeout counts as returncode -9 (after the kill).
    """
    argv = ["bash", "-c", cmd] if isinstance(cmd, str) else [str(c) for c in cmd]
    full_env = {**os.environ, **(env or {})}
    runs, cpus, codes = [], [], []
    out = err = ""
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        try:
            p = subprocess.run(  # noqa: PLW1510 (exit codes are data here)
                argv,
                cwd=cwd,
                env=full_env,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                errors="replace",
                timeout=timeout,
            )
            code, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as exc:
            code = -9
            out = (
                (exc.stdout or b"").decode(errors="replace")
                if isinstance(exc.stdout, bytes)
                else (exc.stdout or "")
            )
            err = f"TIMEOUT after {timeout} s"
        runs.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        codes.append(code)
    last = lambda s: rel("\n".join(s.rstrip().splitlines()[-tail:]))
    return {
        "cmd": cmd_str(cmd),
        "median": statistics.median(runs),
        "min": min(runs),
        "runs": runs,
        "cpu": statistics.median(cpus),
        "cpu_runs": cpus,
        "returncode": codes[-1],
        "returncodes": codes,
        "stdout_tail": last(out),
        "stderr_tail": last(err),
    }


def row(tool: str, result: dict, notebooks: int, note: str = "") -> dict:
    """One table row from a `timed()` result: tool, seconds (median), notebooks, exit code, note."""
    return {
        "tool": tool,
        "seconds": result["median"],
        "notebooks": notebooks,
        "returncode": result["returncode"],
        "note": note,
        **{
            k: result[k]
            for k in (
                "cmd",
                "min",
                "runs",
                "cpu",
                "cpu_runs",
                "returncodes",
                "stdout_tail",
                "stderr_tail",
            )
        },
    }


def write_results(name: str, rows: Iterable[dict], **meta) -> Path:
    """Write bench/results/NAME.json (rows + machine/date metadata, no absolute paths)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": name,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "system": platform.system(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(),
        },
        **meta,
        "rows": list(rows),
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(rel(doc), indent=1) + "\n", encoding="utf-8")
    return path


def markdown_table(rows: Iterable[dict], baseline: str = "nbprod") -> str:
    """Markdown table: tool | seconds | cpu s | nb/s | x vs nbprod | exit | note.

    seconds = median wall time; cpu s = median CPU time (when the row has it); nb/s from wall.
    "x vs nbprod" = tool seconds / seconds of the first row whose tool starts with
    `baseline` (so 12.0x means nbprod was 12 times faster); "-" when there is none.
    """
    rows = list(rows)
    base = next((r["seconds"] for r in rows if r["tool"].startswith(baseline)), None)
    lines = [
        "| tool | seconds | cpu s | nb/s | x vs nbprod | exit | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        s, n = r["seconds"], r.get("notebooks") or 0
        nbs = f"{n / s:.1f}" if n and s > 0 else "-"
        ratio = f"{s / base:.1f}x" if base else "-"
        cpu = f"{r['cpu']:.3f}" if isinstance(r.get("cpu"), (int, float)) else "-"
        lines.append(
            f"| {r['tool']} | {s:.3f} | {cpu} | {nbs} | {ratio} | {r.get('returncode', '')} | {r.get('note', '')} |"
        )
    return "\n".join(lines)


def write_readme_section(name: str, section: str) -> Path:
    """Put ``section`` (which starts and ends with its ``<!-- NAME:start/end -->`` markers) into
    ``bench/README.md``, replacing the previous one or appending it."""
    import re

    readme = BENCH / "README.md"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    if start in text:
        pattern = re.escape(start) + ".*?" + re.escape(end)
        text = re.sub(pattern, lambda m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    readme.write_text(text, encoding="utf-8")
    return readme
