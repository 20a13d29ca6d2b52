"""The source map: cell positions to physical positions in the .ipynb text, in every layout."""

from __future__ import annotations

import json

from nbprod.notebook import Location, loads_notebook
from tests.conftest import notebook_json


def _physical_text(nb, cell, line, col, width=12):
    row, column = nb.physical(Location(cell, line, col))
    return nb.text.splitlines()[row - 1][column - 1 : column - 1 + width]


def test_list_source_one_string_per_line():
    data = notebook_json({"cell_type": "markdown", "source": "# T"}, "a = 1\nb = 'x\"y' + c\n")
    nb = loads_notebook(json.dumps(data, indent=1).encode())
    assert _physical_text(nb, 2, 1, 1, 7) == "a = 1\\n"
    # escapes before the column are counted as they are written in JSON
    assert _physical_text(nb, 2, 2, 13, 1) == "c"


def test_single_string_source_on_one_physical_line():
    data = notebook_json("first = 1\nsecond = first")
    data["cells"][0]["source"] = "first = 1\nsecond = first"
    text = json.dumps(data, indent=1)
    nb = loads_notebook(text.encode())
    assert _physical_text(nb, 1, 2, 10, 5) == "first"


def test_outputs_mentioning_source_do_not_confuse_the_map():
    trap = {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"application/json": {"source": ["trap\n"], "cells": [{"source": "x"}]}}}
    data = notebook_json({"source": "y = 2\nz = 3", "outputs": [trap], "execution_count": 1})
    nb = loads_notebook(json.dumps(data, indent=1, sort_keys=True).encode())
    assert _physical_text(nb, 1, 2, 1, 5) == "z = 3"


def test_a_source_key_nested_after_the_cells_own_is_ignored():
    """Keys in any order: the cell's own ``source`` comes first, and its metadata holds a
    ``source`` with the very same value."""
    data = notebook_json("a = 1\nb = 2")
    cell = data["cells"][0]
    data["cells"][0] = {"source": cell["source"], **cell, "metadata": {"x": {"source": cell["source"]}}}
    text = json.dumps(data, indent=1)
    nb = loads_notebook(text.encode())
    row, _ = nb.physical(Location(1, 2, 1))
    metadata_row = text[: text.index('"metadata"')].count("\n") + 1
    assert row < metadata_row and _physical_text(nb, 1, 2, 1, 5) == "b = 2"


def test_unicode_and_empty_cells():
    data = notebook_json("", "naïve = '✓'  # ü\nx = naïve")
    nb = loads_notebook(json.dumps(data, indent=1, ensure_ascii=False).encode())
    assert _physical_text(nb, 2, 2, 5, 5) == "naïve"
    assert nb.physical(Location(1, 1, 1))[0] > 1  # an empty cell still maps to its source key
