"""Acceptance on the real notebooks of tests/fixtures/corpus (see SOURCES.md there): no check
raises, every position is inside its cell, and the findings match the committed snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.rules.rules_helpers import check_snapshot, run_checks

from nbprod.notebook import load_notebook

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
NOTEBOOKS = sorted(CORPUS.glob("*.ipynb"))


def test_corpus_is_there():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checks_on_real_notebook(path):
    nb = load_notebook(path)
    findings = run_checks(nb)
    for f in findings:
        if f.cell is not None:
            cell = nb.cells[f.cell - 1]
            assert 1 <= f.line <= max(len(cell.lines), 1), f
            assert 1 <= f.column <= len(cell.lines[f.line - 1]) + 1 if cell.lines else True, f
    where = [f"cell {f.cell}" if f.cell else "notebook" for f in findings]
    lines = [
        f"{w}:{f.line}:{f.column}: {f.code} {f.message}"
        for w, f in zip(where, findings, strict=True)
    ]
    check_snapshot(f"corpus-{path.stem}.txt", "".join(line + "\n" for line in lines))
