"""Every rule's bad example (a real .ipynb file) triggers it, its good example does not; fixes
make the finding go away and touch nothing else."""

from __future__ import annotations

import copy
import json

import pytest
from tests.rules.rules_helpers import RULES, materialise, run_checks

from nbprod.lint import examples
from nbprod.notebook import loads_notebook

#: notebook-level rules that a short example cannot all satisfy without burying its point
#: (every good example would need a title cell and a parameters cell)
STRUCTURE = {"NB801", "NB804"}


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_triggers_the_rule(code, tmp_path):
    nb = materialise(RULES[code].bad, tmp_path)
    findings = run_checks(nb, [code])
    assert findings, f"{code}: its bad example is not reported"
    for f in findings:
        assert f.code == code
        if f.cell is not None:
            cell = nb.cells[f.cell - 1]
            assert 1 <= f.line <= max(len(cell.lines), 1) and f.column >= 1


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_is_clean(code, tmp_path):
    nb = materialise(RULES[code].good, tmp_path)
    findings = run_checks(nb)
    assert not [f for f in findings if f.code == code], f"{code}: its good example is reported"
    others = sorted({f.code for f in findings} - STRUCTURE)
    assert not others, f"{code}: its good example breaks other rules: {others}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_fixes_exactly_where_documented(code, tmp_path):
    rule = RULES[code]
    nb = materialise(rule.bad, tmp_path)
    fixes = [f.fix for f in run_checks(nb, [code]) if f.fix is not None]
    assert bool(fixes) == rule.fixable, f"{code}: fixable={rule.fixable} but fixes={fixes}"
    if not fixes:
        return
    data = json.loads(nb.text)
    before = copy.deepcopy(data)
    for fix in fixes:
        assert fix.description
        fix.apply(data)
    fixed = loads_notebook(json.dumps(data), nb.path)  # still a valid notebook
    assert not run_checks(fixed, [code])
    assert [c["id"] for c in data["cells"]] == [c["id"] for c in before["cells"]]
    assert [c["source"] for c in data["cells"]] == [c["source"] for c in before["cells"]]
    assert [c.get("metadata") for c in data["cells"]] == [
        c.get("metadata") for c in before["cells"]
    ]


def test_examples_are_valid_nbformat_45():
    import nbformat

    for rule in RULES.values():
        for spec in (rule.bad, rule.good):
            nbformat.validate(nbformat.from_dict(examples.build(spec)), version=4)
            assert examples.build(spec)["nbformat_minor"] == 5


def test_example_spec_shorthands(tmp_path):
    spec = {
        "filename": "a.ipynb",
        "cells": [
            {"source": "x = 1\n", "execution_count": 1, "tags": ["parameters"], "repeat": 2},
            {"cell_type": "markdown", "source": "# T"},
            {
                "source": "x",
                "execution_count": 3,
                "outputs": [
                    {"text": "a\n", "repeat": 2},
                    {"data": {"text/plain": "1"}},
                    {"ename": "E", "evalue": "v"},
                ],
            },
        ],
    }
    data = examples.build(spec)
    assert [c["id"] for c in data["cells"]] == ["cell-1", "cell-2", "cell-3", "cell-4"]
    assert data["cells"][0]["source"] == ["x = 1"]
    assert data["cells"][0]["metadata"] == {"tags": ["parameters"]}
    assert "outputs" not in data["cells"][2]
    stream, result, error = data["cells"][3]["outputs"]
    assert stream == {"output_type": "stream", "name": "stdout", "text": ["a\n", "a\n"]}
    assert result["output_type"] == "execute_result" and result["execution_count"] == 3
    assert error == {"output_type": "error", "ename": "E", "evalue": "v", "traceback": []}
    assert examples.write(spec, tmp_path).name == "a.ipynb"
