"""The content-hash cache: hits on same bytes, misses on a changed byte or setting, markers, and a
warm path that never imports the notebook model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.lint.lint_helpers import lint, locations

CACHE = Path(".nbprod/cache/lint")


def _plant(message: str) -> None:
    """Rewrite every cache entry's messages: output that shows ``message`` came from the cache."""
    for entry in CACHE.glob("*.json"):
        diagnostics = json.loads(entry.read_text())
        for d in diagnostics:
            d["message"] = message
        entry.write_text(json.dumps(diagnostics))


def test_same_bytes_hit_changed_byte_misses(project):
    (nb,) = project.add("findings.ipynb")
    first = lint("--select", "NB304", "findings.ipynb")
    assert first.code == 1 and len(list(CACHE.glob("*.json"))) == 1
    _plant("from the cache")
    os.utime(nb, (1_000_000_000, 1_000_000_000))  # a new mtime, the same bytes: still a hit
    assert lint("--select", "NB304", "findings.ipynb").out.splitlines()[0] == (
        "findings.ipynb:cell 2:2:1: NB304 from the cache"
    )
    # --no-cache neither reads nor writes
    assert lint("--select", "NB304", "--no-cache", "findings.ipynb").out == first.out
    # another selection is another key
    assert "from the cache" not in lint("--select", "NB304,NB104", "findings.ipynb").out
    # one changed byte is a miss: real diagnostics again
    nb.write_bytes(nb.read_bytes().replace(b'"Draw a number."', b'"Draw a number!"'))
    assert lint("--select", "NB304", "findings.ipynb").out == first.out


def test_hit_survives_a_copy_and_keeps_the_new_path(project):
    project.add("findings.ipynb")
    lint("--select", "NB304", "findings.ipynb")
    _plant("cached")
    project.add("findings.ipynb", to="copy")
    result = lint("--select", "NB304", "copy/findings.ipynb")
    assert result.out.splitlines()[0] == "copy/findings.ipynb:cell 2:2:1: NB304 cached"


def test_text_entries_do_not_serve_formats_with_physical_positions(project):
    """A text run maps nothing to the .ipynb text; a later JSON run must not reuse its entry."""
    project.add("findings.ipynb")
    cold_json = lint("--select", "NB304", "--no-cache", "--format", "json", "findings.ipynb").out
    lint("--select", "NB304", "findings.ipynb")  # caches the text run's entry (no positions)
    (entry,) = CACHE.glob("*.json")
    assert [d["line"] for d in json.loads(entry.read_text())] == [None]
    warm_json = lint("--select", "NB304", "--format", "json", "findings.ipynb").out
    assert warm_json == cold_json
    assert json.loads(warm_json)[0]["physical"] == {"line": 21, "column": 6}
    assert len(list(CACHE.glob("*.json"))) == 2


def test_rule_options_are_part_of_the_key(project, make_notebook):
    make_notebook("a = 1\nb = 2\nc = 3", name="project/long.ipynb")
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB306"]\n')
    assert lint().code == 0
    project.write(
        "pyproject.toml",
        '[tool.nbprod]\nselect = ["NB306"]\n' "[tool.nbprod.rules.NB306]\nmax_lines = 2\n",
    )
    assert locations(lint().out) == ["long.ipynb:cell 1:1:1: NB306"]


def test_cache_lives_under_the_project_root_with_its_markers(project):
    project.write("pyproject.toml", '[tool.nbprod]\nselect = ["NB304"]\n')
    project.add("findings.ipynb", to="notebooks")
    os.chdir("notebooks")
    lint("findings.ipynb")
    marker = project.path / ".nbprod"
    assert (marker / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (
        (marker / "cache" / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert len(list((marker / "cache" / "lint").glob("*.json"))) == 1
    assert not Path(".nbprod").exists()


def test_errors_are_not_cached(project):
    project.add("empty.ipynb")
    assert lint("empty.ipynb").code == 2
    assert not CACHE.exists()


@pytest.mark.slow  # whole processes
def test_warm_path_imports_neither_the_model_nor_ipython(project):
    project.add("findings.ipynb", "only_magics.ipynb")
    probe = (
        "import sys\n"
        "from nbprod.lint.command import run_lint\n"
        "status = run_lint(['.'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('IPython', 'detect_secrets', 'nbformat', 'fastjsonschema') "
        "or m.startswith('nbprod.notebook') or m.startswith('nbprod.lint.checks'))\n"
        "print(status, heavy, file=sys.stderr)\n"
    )
    cold = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert cold.stderr.startswith("1 [") and "'nbprod.notebook.magics'" in cold.stderr
    warm = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert warm.stderr == "1 []\n"
    assert warm.stdout == cold.stdout
