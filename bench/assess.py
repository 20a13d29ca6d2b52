"""Benchmark ``nbprod assess``: how long rating a repository takes, and where the time goes.

    python3 bench/assess.py    # table -> bench/results/assess.json

Wall time of whole processes, median of 3 (no peer does this job: mllint is unmaintained and
pynblint's repository rules need its own notebook pass, so nbprod is timed alone):

* this repository (``nbprod assess .``);
* a synthetic repository in a temporary directory: the shared corpus's notebooks, 400 generated
  Python modules (training, features, tests importing them), four CI workflows, requirements,
  DVC files, committed with git;
* ``nbprod assess --help`` (start-up: no heavy import before a command runs);
* in one process, on the synthetic repository: listing, file scanners, Python modules, CI,
  notebooks (the lint engine), criteria and rendering.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    REPO,
    corpus_notebooks,
    markdown_table,
    nbprod_cmd,
    row,
    timed,
    write_results,
)

MODULES = 400
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}

TRAIN = """import argparse

import pandas as pd
from sklearn.linear_model import LogisticRegression

from proj.features_{i} import build_{i}


def train_{i}(df, seed=0):
    model = LogisticRegression(random_state=seed)
    model.fit(build_{i}(df), df["y"])
    return model


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    train_{i}(pd.read_csv("data.csv"), parser.parse_args().seed)
"""
FEATURES = """import pandas as pd


def build_{i}(df: pd.DataFrame) -> pd.DataFrame:
    return df[["x"]] * {i}
"""
TEST = """from proj.train_{i} import train_{i}


def test_train_{i}():
    assert train_{i} is not None
"""
WORKFLOW = """on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: python -m pytest
      - run: python -m proj.train_{i} --seed 1
"""


def synthetic_repo(root: Path) -> int:
    """Write and commit the synthetic repository; return its number of notebooks."""
    notebooks = corpus_notebooks()
    for nb in notebooks:
        shutil.copy(nb, root / nb.name)
    (root / "proj").mkdir()
    (root / "proj" / "__init__.py").write_text("")
    (root / "tests").mkdir()
    for i in range(MODULES // 4):
        (root / "proj" / f"train_{i}.py").write_text(TRAIN.format(i=i))
        (root / "proj" / f"features_{i}.py").write_text(FEATURES.format(i=i))
        (root / "tests" / f"test_train_{i}.py").write_text(TEST.format(i=i))
        (root / "proj" / f"util_{i}.py").write_text(f"def helper_{i}(x):\n    return x + {i}\n")
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for i in range(4):
        (workflows / f"ci{i}.yml").write_text(WORKFLOW.format(i=i))
    (root / "requirements.txt").write_text("pandas==2.2.3\nscikit-learn==1.5.2\n")
    (root / "data.csv.dvc").write_text("outs:\n- md5: 0\n  path: data.csv\n")
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return len(notebooks)


def phases(root: Path) -> dict[str, float]:
    """Seconds per phase of one in-process assessment."""
    from nbprod.assess import evidence as ev
    from nbprod.assess.code import ProjectIndex, module_facts
    from nbprod.assess.criteria import assess
    from nbprod.assess.render import FORMATS
    from nbprod.assess.repository import open_repository

    out: dict[str, float] = {}
    t = time.perf_counter()
    repo = open_repository(root)
    out["list files (git)"] = time.perf_counter() - t
    t = time.perf_counter()
    for patterns, scan in ev.SCANNERS:
        for path, text in repo.texts(*patterns):
            scan(path, text)
    out["file scanners"] = time.perf_counter() - t
    t = time.perf_counter()
    modules = {p: module_facts(p, text) for p, text in repo.texts("*.py")}
    project = ev.Project(ProjectIndex(modules), {})
    found = list(ev.python_evidence(modules, project))
    out[f"python modules ({len(modules)})"] = time.perf_counter() - t
    t = time.perf_counter()
    found += list(ev.ci_evidence(repo, project))
    out["ci"] = time.perf_counter() - t
    t = time.perf_counter()
    collected = ev.Collected(found)
    ev.notebook_evidence(repo, collected)
    out[f"notebooks ({collected.notebooks}, lint engine)"] = time.perf_counter() - t
    t = time.perf_counter()
    result = assess(str(root), collected.evidence, collected.notebooks, collected.limitations)
    for render in FORMATS.values():
        render(result, False)
    out["criteria + 3 renderings"] = time.perf_counter() - t
    return out


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "synthetic"
        big.mkdir()
        n = synthetic_repo(big)
        rows.append(
            row(
                "nbprod assess (this repository)",
                timed([*nbprod_cmd(), "assess", str(REPO)]),
                0,
                "text",
            )
        )
        rows.append(
            row(
                "nbprod assess (synthetic)",
                timed([*nbprod_cmd(), "assess", str(big), "--format", "json"]),
                n,
                f"{MODULES} modules, 4 workflows, json",
            )
        )
        rows.append(
            row("nbprod assess --help", timed([*nbprod_cmd(), "assess", "--help"]), 0, "start-up")
        )
        split = phases(big)
    write_results("assess", rows, phases=split)
    print(markdown_table(rows))
    print()
    print("| phase (synthetic repository, one process) | seconds |")
    print("|---|---:|")
    for name, seconds in split.items():
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
