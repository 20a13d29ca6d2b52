"""Build real notebooks from the compact ``bad``/``good`` examples of the rule catalogue.

An example spec (a table of a rule's TOML file)::

    [bad]
    filename = "Untitled3.ipynb"        # optional, for rules about file names
    metadata = { kernelspec = {...} }   # optional, replaces the default Python 3 metadata

    [[bad.cells]]
    source = "print(1)"                 # required
    cell_type = "code"                  # default; or "markdown", "raw"
    execution_count = 1                 # default: not executed
    tags = ["parameters"]
    repeat = 3                          # the cell, 3 times (long notebooks)
    [[bad.cells.outputs]]               # output_type inferred: text -> stream,
    text = "epoch 1\\n"                  #   data -> execute_result, ename -> error
    repeat = 600                        # the text, 600 times (large outputs)

``build(spec)`` returns a valid nbformat 4.5 dict; ``write(spec, directory)`` saves it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Mapping

DEFAULT_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
DEFAULT_FILENAME = "example.ipynb"


def build(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The nbformat 4.5 notebook dict an example spec describes."""
    cells = []
    for cell in spec.get("cells", []):
        for _ in range(cell.get("repeat", 1)):
            cells.append(_cell(cell, len(cells)))
    metadata = spec["metadata"] if "metadata" in spec else DEFAULT_METADATA
    return {
        "cells": cells,
        "metadata": copy.deepcopy(dict(metadata)),
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(spec: Mapping[str, Any], directory: Path | str) -> Path:
    """Write the example as a real ``.ipynb`` file in ``directory``; return its path."""
    path = Path(directory) / spec.get("filename", DEFAULT_FILENAME)
    path.write_text(json.dumps(build(spec), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _lines(text: str) -> list[str]:
    """nbformat's multiline string: the text split after each newline."""
    return text.splitlines(keepends=True)


def _cell(spec: Mapping[str, Any], index: int) -> dict[str, Any]:
    kind = spec.get("cell_type", "code")
    source = spec["source"].removesuffix("\n")
    metadata: dict[str, Any] = {"tags": list(spec["tags"])} if spec.get("tags") else {}
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": f"cell-{index + 1}",
        "metadata": metadata,
        "source": _lines(source),
    }
    if kind == "code":
        count = spec.get("execution_count")
        cell["execution_count"] = count
        cell["outputs"] = [_output(o, count) for o in spec.get("outputs", [])]
    return cell


def _output(spec: Mapping[str, Any], count: int | None) -> dict[str, Any]:
    repeat = spec.get("repeat", 1)
    if "ename" in spec:
        return {
            "output_type": "error",
            "ename": spec["ename"],
            "evalue": spec.get("evalue", ""),
            "traceback": list(spec.get("traceback", [])),
        }
    if "text" in spec:
        return {
            "output_type": "stream",
            "name": spec.get("name", "stdout"),
            "text": _lines(spec["text"] * repeat),
        }
    data = {mime: _lines(str(value) * repeat) for mime, value in spec["data"].items()}
    if spec.get("output_type", "execute_result") == "display_data":
        return {"output_type": "display_data", "data": data, "metadata": {}}
    return {
        "output_type": "execute_result",
        "execution_count": spec.get("execution_count", count),
        "data": data,
        "metadata": {},
    }
