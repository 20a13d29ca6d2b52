"""Benchmark the ``nbprod-lint`` pre-commit hook against the nbQA-flake8 and ruff hooks.

    python3 bench/hook.py     # tables -> bench/results/hook.json and bench/README.md ("hook")

The three hooks run under real pre-commit, as ``repo: local`` hooks with ``language: system``, in
a temporary git repository holding copies of the example notebooks (examples/notebooks), each
with the definition its project publishes: ``nbprod-lint`` as this repository's
.pre-commit-hooks.yaml says, ``nbqa-flake8`` (``nbqa flake8``, types [jupyter], require_serial)
and ``ruff-check`` (``ruff check --force-exclude``, types_or [python, pyi, jupyter],
require_serial) from bench/.peers-venv. Two measures, median of 5, caches emptied before each run
(a notebook that changed is always a cache miss):

* the hook's own command alone, as pre-commit starts it (whole process): nbprod's own time;
* ``pre-commit run ID --files ...``: what a commit pays, pre-commit's start-up included.

Two more rows: nbprod-lint again with its cache kept (the notebooks of a commit that did not
change), and ``python -c pass``, the interpreter's own start-up, which every Python hook pays.
Target (issue #6): one notebook through nbprod-lint <= 0.3 s of nbprod's own time: the command's
CPU time less the interpreter's start-up. For one notebook nbprod lint is a single process doing
no I/O to speak of, so its CPU time is its wall time on an idle machine; on a shared one, wall
time also measures the neighbours (the load average is recorded).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BENCH,
    REPO,
    markdown_table,
    peer,
    rel,
    row,
    timed,
    write_readme_section,
    write_results,
)

EXAMPLES = REPO / "examples" / "notebooks"
ONE = "iris_classifier.ipynb"
README = BENCH / "README.md"
START, END = "<!-- hook:start -->", "<!-- hook:end -->"
REPEAT = 5
CACHES = ".nbprod .ruff_cache"


def hooks() -> dict[str, dict]:
    """The three hooks as ``repo: local`` definitions (id -> hook)."""
    published = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    nbprod = {k: v for k, v in published["nbprod-lint"].items() if k != "description"}
    return {
        "nbprod-lint": {**nbprod, "language": "system"},
        "nbqa-flake8": {
            "id": "nbqa-flake8",
            "name": "nbqa-flake8",
            "entry": f"{peer('nbqa')} flake8",
            "language": "system",
            "types": ["jupyter"],
            "require_serial": True,
        },
        "ruff-check": {
            "id": "ruff-check",
            "name": "ruff check",
            "entry": f"{peer('ruff')} check --force-exclude",
            "language": "system",
            "types_or": ["python", "pyi", "jupyter"],
            "require_serial": True,
        },
    }


def make_repo(work: Path, definitions: dict[str, dict]) -> tuple[Path, dict[str, str]]:
    """A git repository with the example notebooks and a config holding the three hooks."""
    repo = work / "repo"
    repo.mkdir()
    for nb in sorted(EXAMPLES.glob("*.ipynb")):
        shutil.copy(nb, repo / nb.name)
    config = {"repos": [{"repo": "local", "hooks": list(definitions.values())}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(work / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "notebooks"]):
        subprocess.run([*git, *cmd], cwd=repo, env={**os.environ, **env}, check=True)
    return repo, env


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-hook-"))
    definitions = hooks()
    repo, env = make_repo(work, definitions)
    names = sorted(p.name for p in repo.glob("*.ipynb"))
    cases = {"one": [ONE], "all": names}
    load = os.getloadavg()[0]

    def measure(hook_id: str, files: list[str], keep_cache: bool = False) -> tuple[dict, dict]:
        clear = "" if keep_cache else f"rm -rf {CACHES}; "
        quoted = " ".join(files)
        own = timed(
            f"{clear}{definitions[hook_id]['entry']} {quoted}", cwd=repo, env=env, repeat=REPEAT
        )
        hook = timed(
            f"{clear}pre-commit run {hook_id} --files {quoted}", cwd=repo, env=env, repeat=REPEAT
        )
        return own, hook

    tables: dict[str, list[dict]] = {}
    for case, files in cases.items():
        rows = []
        for hook_id in definitions:
            own, hook = measure(hook_id, files)
            rows.append(row(f"{hook_id}: command alone", own, len(files)))
            rows.append(row(f"{hook_id}: pre-commit run", hook, len(files)))
        own, hook = measure("nbprod-lint", files, keep_cache=True)
        rows.append(
            row("nbprod-lint: command alone, cache kept", own, len(files), "unchanged files")
        )
        rows.append(
            row("nbprod-lint: pre-commit run, cache kept", hook, len(files), "unchanged files")
        )
        rows.append(
            row(
                "python -c pass",
                timed([sys.executable, "-c", "pass"], repeat=REPEAT),
                len(files),
                "interpreter start-up, for reference",
            )
        )
        tables[case] = [{**r, "cmd": r["cmd"].replace(str(work), "$TMP")} for r in rows]

    one = {r["tool"]: r for r in tables["one"]}
    command, start = one["nbprod-lint: command alone"], one["python -c pass"]
    own_cpu, own_wall = command["cpu"] - start["cpu"], command["min"] - start["min"]
    target = (
        "one notebook through nbprod-lint <= 0.3 s of nbprod's own time",
        (
            f"CPU {own_cpu:.3f} s ({command['cpu']:.3f} s less {start['cpu']:.3f} s of start-up); "
            f"wall, fastest of {REPEAT}: {own_wall:.3f} s ({command['min']:.3f} s less "
            f"{start['min']:.3f} s)"
        ),
        own_cpu <= 0.3,
    )
    out = write_results(
        "hook",
        [r | {"table": t} for t, rs in tables.items() for r in rs],
        one_notebook=ONE,
        notebooks=names,
        target=list(target),
        loadavg_before=load,
    )
    size = (EXAMPLES / ONE).stat().st_size // 1024
    section = "\n".join(
        [
            START,
            "## hook",
            "",
            (
                f"`python3 bench/hook.py`, {time.strftime('%Y-%m-%d')}, 2 cores: the nbprod-lint, "
                "nbqa-flake8 and ruff-check pre-commit hooks as `repo: local` hooks in a "
                f"temporary git repository holding the {len(names)} example notebooks. "
                '"command alone" is the hook\'s entry as pre-commit starts it (whole process); '
                '"pre-commit run" is `pre-commit run ID --files ...`, pre-commit\'s start-up '
                f"included. Caches emptied before each run unless said; median of {REPEAT}. Load "
                f"average before the runs: {load:.1f} (other work shared the 2 cores), so wall "
                'times are inflated and CPU times are the better guide. "x vs nbprod" is relative '
                "to the first row."
            ),
            "",
            f"### One notebook ({ONE}, {size} kB)",
            "",
            markdown_table(tables["one"]),
            "",
            f"### The {len(names)} example notebooks in one commit",
            "",
            markdown_table(tables["all"]),
            "",
            "| target | measured | met |",
            "|---|---|---|",
            f"| {target[0]} | {target[1]} | {'yes' if target[2] else '**no**'} |",
            "",
            "Exit codes are 1 where a tool found problems (all three do on these notebooks).",
            END,
        ]
    )
    write_readme_section("hook", section)
    print(section)
    print(f"\nwrote {rel(out)} and the hook section of {rel(README)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
