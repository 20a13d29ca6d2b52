"""Loading: every nbformat the model reads, and one clear LoadError line for everything else."""

from __future__ import annotations

import json

import pytest

from nbprod.notebook import LoadError, Location, load_notebook, loads_notebook
from tests.conftest import notebook_json

V3 = {
    "metadata": {"name": "old"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [
        {
            "cells": [
                {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Title"]},
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": ["import os\n", "x = os.sep"],
                    "language": "python",
                    "metadata": {},
                    "outputs": [],
                    "prompt_number": 3,
                },
            ],
            "metadata": {},
        }
    ],
}


def test_v4_cells_ids_tags_and_counts(make_notebook):
    path = make_notebook(
        {"cell_type": "markdown", "source": "# T"},
        {"source": "a = 1", "metadata": {"tags": ["parameters"]}, "execution_count": 4},
    )
    nb = load_notebook(path)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code"]
    assert [c.number for c in nb.cells] == [1, 2]
    assert nb.cells[1].tags == ("parameters",) and nb.cells[1].execution_count == 4
    assert nb.parameters_cell is nb.cells[1]
    assert nb.kernel_name == "python3" and nb.is_python


def test_missing_ids_get_stable_synthetic_ids_never_written(tmp_path):
    data = notebook_json("a = 1", "b = 2")
    data["nbformat_minor"] = 4
    for c in data["cells"]:
        del c["id"]
    path = tmp_path / "old.ipynb"
    raw = json.dumps(data, indent=1).encode()
    path.write_bytes(raw)
    nb = load_notebook(path)
    assert [c.id for c in nb.cells] == ["cell-1", "cell-2"]
    assert not nb.cells[0].has_id
    assert path.read_bytes() == raw


def test_nbformat3_is_upgraded_in_memory(tmp_path):
    path = tmp_path / "v3.ipynb"
    raw = json.dumps(V3, indent=1)
    path.write_text(raw)
    nb = load_notebook(path)
    assert nb.nbformat == 3
    assert [c.cell_type for c in nb.cells] == ["markdown", "code"]
    assert nb.cells[1].source == "import os\nx = os.sep"
    assert nb.cells[1].execution_count == 3
    # positions map into the v3 text ("input" list)
    line, col = nb.physical(Location(2, 2, 1))
    assert raw.splitlines()[line - 1][col - 1 :].startswith("x = os.sep")
    assert path.read_text() == raw


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b'{"cells": [', "invalid JSON at line 1 column 12: Expecting value"),
        (b"[1, 2]", "the top level is not a JSON object"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "missing 'cells'"),
        (b'{"cells": []}', "missing 'nbformat' (is this a Jupyter notebook?)"),
        (b'{"nbformat": 9, "cells": []}', "unsupported nbformat 9 (nbprod reads 3 and 4)"),
        (b"\xff\xfe{}", "not UTF-8 (byte 0xff at offset 0)"),
        (
            b'{"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [{"input": "x"}]}]}',
            "nbformat 3: missing key 'cell_type'",
        ),
        (
            b'{"nbformat": 3, "metadata": {}, "worksheets": "oops"}',
            "nbformat 3: unexpected structure: 'worksheets' is not a list of objects holding a "
            "list of cell objects",
        ),
        (
            b'{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "outputs": 1}]}]}',
            "nbformat 3: unexpected structure: 'int' object is not iterable",
        ),
    ],
)
def test_invalid_files_give_one_line(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(LoadError) as err:
        load_notebook(path)
    assert str(err.value) == f"{path}: not a valid notebook: {message}"


def test_schema_violation_names_the_place(tmp_path):
    data = notebook_json("x = 1")
    data["cells"][0]["source"] = 42
    with pytest.raises(LoadError) as err:
        loads_notebook(json.dumps(data).encode(), tmp_path / "s.ipynb")
    assert str(err.value).startswith(f"{tmp_path / 's.ipynb'}: not a valid notebook: cells[0]")


def test_directory_and_missing_file(tmp_path):
    (tmp_path / "x.ipynb").mkdir()
    with pytest.raises(LoadError) as err:
        load_notebook(tmp_path / "x.ipynb")
    assert str(err.value) == f"{tmp_path / 'x.ipynb'}: cannot read: is a directory"
    with pytest.raises(LoadError) as err:
        load_notebook(tmp_path / "nope.ipynb")
    assert str(err.value) == f"{tmp_path / 'nope.ipynb'}: cannot read: No such file or directory"


def test_non_python_notebook_has_no_python_view(make_notebook):
    path = make_notebook("x <- 1", kernelspec={"name": "ir", "language": "R", "display_name": "R"})
    nb = load_notebook(path)
    assert nb.language == "r" and not nb.is_python
    assert nb.view(nb.cells[0]) is None and nb.flow(nb.cells[0]) is None
