"""Shared test helpers: build real notebook files from compact cell specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


def notebook_json(*cells: str | dict, **metadata) -> dict:
    """A valid nbformat 4.5 notebook; a str cell is a code cell with that source."""
    out = []
    for i, cell in enumerate(cells):
        spec = {"source": cell} if isinstance(cell, str) else dict(cell)
        kind = spec.pop("cell_type", "code")
        c = {"cell_type": kind, "id": f"c{i}", "metadata": spec.pop("metadata", {})}
        c["source"] = spec.pop("source", "").splitlines(keepends=True)  # as nbformat writes it
        if kind == "code":
            c["execution_count"] = spec.pop("execution_count", None)
            c["outputs"] = spec.pop("outputs", [])
        c.update(spec)
        out.append(c)
    meta = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    meta.update(metadata)
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def write_notebook(path: Path, nb: dict) -> Path:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def make_notebook(tmp_path):
    """``make_notebook("x = 1", "print(x)", name="a.ipynb")`` -> Path of a real file."""

    def make(*cells, name: str = "nb.ipynb", **metadata) -> Path:
        return write_notebook(tmp_path / name, notebook_json(*cells, **metadata))

    return make
