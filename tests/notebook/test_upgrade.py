"""nbformat 3 -> 4 without nbformat: the result is nbformat's own upgrade, but for cell ids."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat
import pytest

from nbprod.notebook import load_notebook
from nbprod.notebook.upgrade import upgrade_v3
from tests.imports import imported_after

FIXTURES = Path(__file__).parents[1] / "fixtures"
V3 = [
    FIXTURES / "notebooks" / "nbformat3_every_kind.ipynb",  # every v3 cell and output kind
    FIXTURES / "notebooks" / "nbformat3_small.ipynb",
    FIXTURES / "lint" / "nbformat3.ipynb",
]


def _nbformat_upgrade(text: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat warns about the random ids it adds
        upgraded = json.loads(json.dumps(nbformat.reads(text, as_version=4)))
    for cell in upgraded["cells"]:
        del cell["id"]  # random: nbprod keeps stable synthetic ids instead
    return upgraded


@pytest.mark.parametrize("path", V3, ids=[p.name for p in V3])
def test_upgrade_is_nbformats_own(path):
    text = path.read_text(encoding="utf-8")
    ours = upgrade_v3(json.loads(text))
    theirs = _nbformat_upgrade(text)
    # nbformat announces 4.5 because it adds cell ids; without ids the notebook is 4.0
    assert (ours.pop("nbformat_minor"), theirs.pop("nbformat_minor")) == (0, 5)
    assert ours == theirs


def test_every_kind_fixture_reaches_every_branch():
    nb = load_notebook(V3[0])
    assert [c.cell_type for c in nb.cells] == ["markdown"] * 3 + ["raw", "code", "code", "code"]
    assert nb.cells[0].source == "## A heading on two lines"
    assert nb.cells[2].source == "split by splitlines()\nwithout newlines"
    code = nb.cells[4]
    assert code.source == 'import json\nx = {"a": 1}\nx' and code.execution_count == 3
    assert code.metadata == {"collapsed": False, "trusted": True}
    kinds = [o["output_type"] for o in code.outputs]
    assert kinds == ["execute_result", "display_data", "stream", "stream", "error"]
    result, display = code.outputs[0], code.outputs[1]
    assert result["data"]["application/json"] == {"a": 1}
    assert result["data"]["text/html"] == "<p>a</p>\n<p>b</p>"
    assert result["metadata"] == {"image/png": {"width": 10}}
    assert set(display["data"]) == {
        "image/png",
        "image/svg+xml",
        "text/latex",
        "application/javascript",
        "image/jpeg",
    }
    assert [o["name"] for o in code.outputs[2:4]] == ["stderr", "stdout"]
    assert nb.cells[6].source == "y = 2"  # the second worksheet is flattened into the cells
    assert nb.metadata == {"language": "python", "orig_nbformat": 3, "orig_nbformat_minor": 0}


def test_input_is_not_modified():
    data = json.loads(V3[0].read_text(encoding="utf-8"))
    before = json.dumps(data, sort_keys=True)
    upgrade_v3(data)
    assert json.dumps(data, sort_keys=True) == before


def test_loading_a_v3_notebook_does_not_import_nbformat():
    """`import nbformat` costs 0.1 s here and about 2 s next to jupyterlab."""
    load = (
        "from nbprod.notebook import load_notebook\n"
        f"assert len(load_notebook({str(V3[1])!r}).cells) == 6"
    )
    assert imported_after(load, ["nbformat", "jsonschema"]) == []
