"""nbformat 3 -> 4, in memory: what ``nbformat.reads(text, as_version=4)`` makes of a v3 notebook.

nbformat's own conversion (``v3.rwbase.rejoin_lines``, then ``v4.convert.upgrade``) is followed
step by step, on plain dicts, without importing nbformat: that import costs 0.1-0.15 s here and
about 2 s in an environment with jupyterlab (jsonschema and its format checkers), 10-100 times the
upgrade itself, in every lint process that meets a v3 file. ``tests/notebook/test_upgrade.py``
compares the result with nbformat's on every v3 notebook the tests have.

The one difference is deliberate: nbformat gives each upgraded cell a random id; here cells keep
no id, so the model gives them its stable synthetic ones (``cell-N``).
"""

from __future__ import annotations

import json
from typing import Any

#: v3 output keys whose text may be split into lines (``rejoin_lines``)
_MULTILINE_OUTPUTS = ("text", "html", "svg", "latex", "javascript", "json")
#: v3 output key -> v4 MIME type (``to_mime_key``)
_MIME = {
    "text": "text/plain",
    "html": "text/html",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "latex": "text/latex",
    "json": "application/json",
    "javascript": "application/javascript",
}


def upgrade_v3(nb: dict[str, Any]) -> dict[str, Any]:
    """The nbformat 4.0 form of the nbformat 3 notebook ``nb`` (a new dict; ``nb`` is unchanged).

    A worksheet or cell that is not an object raises ValueError; a missing key a cell must have
    raises KeyError, a value of the wrong type TypeError or AttributeError, as in nbformat."""
    worksheets = nb.get("worksheets", [])
    if not (
        isinstance(worksheets, list)
        and all(isinstance(ws, dict) and isinstance(ws.get("cells"), list) for ws in worksheets)
        and all(isinstance(cell, dict) for ws in worksheets for cell in ws["cells"])
    ):
        raise ValueError("'worksheets' is not a list of objects holding a list of cell objects")
    nb = json.loads(json.dumps(nb))  # a deep copy: the upgrade works in place, like nbformat's
    metadata = nb.get("metadata", {})
    for key in ("name", "signature"):
        metadata.pop(key, None)
    metadata["orig_nbformat"] = nb.get("orig_nbformat") or 3
    metadata["orig_nbformat_minor"] = nb.get("orig_nbformat_minor") or 0
    cells = [_cell(cell) for worksheet in nb.get("worksheets", []) for cell in worksheet["cells"]]
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 0}


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    """``rejoin_lines`` and ``upgrade_cell`` of one cell."""
    cell.setdefault("metadata", {})
    kind = cell["cell_type"]
    if kind == "code":
        if isinstance(cell.get("input"), list):
            cell["input"] = _join_lines(cell["input"])
        cell.pop("language", None)
        if "collapsed" in cell:
            cell["metadata"]["collapsed"] = cell.pop("collapsed")
        cell["source"] = cell.pop("input", "")
        cell["execution_count"] = cell.pop("prompt_number", None)
        cell["outputs"] = [_output(output) for output in cell["outputs"]]
        return cell
    for key in ("source", "rendered"):
        if isinstance(cell.get(key), list):
            cell[key] = _join_lines(cell[key])
    if kind == "heading":
        cell["cell_type"] = "markdown"
        level = cell.pop("level", 1)
        cell["source"] = "#" * level + " " + " ".join(cell.get("source", "").splitlines())
    elif kind == "html":
        cell["cell_type"] = "markdown"
    return cell


def _output(output: dict[str, Any]) -> dict[str, Any]:
    """``rejoin_lines`` and ``upgrade_output`` of one output."""
    for key in _MULTILINE_OUTPUTS:
        if isinstance(output.get(key), list):
            output[key] = _join_lines(output[key])
    kind = output["output_type"]
    if kind in ("pyout", "display_data"):
        output.setdefault("metadata", {})
        if kind == "pyout":
            output["output_type"] = "execute_result"
            output["execution_count"] = output.pop("prompt_number", None)
        data = {
            key: output.pop(key)
            for key in list(output)
            if key not in ("output_type", "execution_count", "metadata")
        }
        _to_mime_keys(data)
        output["data"] = data
        _to_mime_keys(output["metadata"])
        if "application/json" in data:
            data["application/json"] = json.loads(data["application/json"])
    elif kind == "pyerr":
        output["output_type"] = "error"
    elif kind == "stream":
        output["name"] = output.pop("stream", "stdout")
    return output


def _to_mime_keys(d: dict[str, Any]) -> None:
    for alias, mime in _MIME.items():
        if alias in d:
            d[mime] = d.pop(alias)


def _join_lines(lines: list[str]) -> str:
    """Lines written by ``splitlines(True)`` are joined as they are, by ``splitlines()`` with
    newlines (nbformat's ``_join_lines``)."""
    if lines and lines[0].endswith(("\n", "\r")):
        return "".join(lines)
    return "\n".join(lines)
