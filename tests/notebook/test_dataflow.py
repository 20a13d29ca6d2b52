"""Dataflow of a cell: defines, inputs, mutations, imports, and what functions read of globals."""

from __future__ import annotations

from nbprod.notebook.dataflow import cell_flow
from nbprod.notebook.magics import python_view


def flow(source: str):
    return cell_flow(python_view(source))


def test_defines_and_inputs_in_evaluation_order():
    f = flow("x = x + 1\ny = [i * z for i in range(3)]\nfor k in y:\n    w = k")
    assert set(f.defines) == {"x", "y", "k", "w"}
    assert f.inputs == {"x": (1, 5), "z": (2, 10)}  # `i` is the comprehension's own


def test_mutations():
    f = flow("df['a'] = 1\nobj.attr = 2\nitems.append(3)\nframe.drop(columns=['a'], inplace=True)\n"
             "model.fit(X, y)\ndel cache['k']\ncounter += 1")
    assert set(f.mutates) == {"df", "obj", "items", "frame", "model", "cache"}
    assert "counter" in f.defines and "counter" in f.inputs


def test_imports_with_qualified_names():
    f = flow("import numpy as np\nimport os.path\nfrom sklearn.model_selection import "
             "train_test_split as tts\nfrom pandas import *")
    assert [(i.name, i.qualified, i.module) for i in f.imports] == [
        ("np", "numpy", "numpy"),
        ("os", "os", "os"),
        ("tts", "sklearn.model_selection.train_test_split", "sklearn"),
        ("*", "pandas.*", "pandas"),
    ]
    assert set(f.defines) == {"np", "os", "tts"}


def test_function_reads_and_mutates_globals():
    f = flow(
        "def train(n):\n"
        "    global best\n"
        "    history.append(n)\n"
        "    best = model.score(data)\n"
        "    local = n * factor\n"
        "    return local\n"
    )
    fn = f.function("train")
    assert set(fn.reads) == {"history", "model", "data", "factor"}
    assert set(fn.mutates) == {"history", "best"}
    assert fn.params == ("n",)
    assert f.inputs == {}  # the body runs later: no read at definition time


def test_read_then_redefined_in_the_same_cell_is_still_a_global_read():
    # the libcst pitfall of FIELD-NOTES: the read inside f is a free (global) name
    f = flow("def f():\n    return df\ndf = f()")
    assert set(f.function("f").reads) == {"df"}


def test_class_reads_globals_in_body_and_methods():
    f = flow("class Model(Base):\n    rate = default_rate\n    def go(self):\n        return data\n")
    cls = f.function("Model")
    assert cls.kind == "class" and set(cls.reads) >= {"data", "default_rate"}
    assert set(f.inputs) == {"Base", "default_rate"}


def test_magic_definitions_are_visible():
    f = flow("%%capture out\n%time total = sum(range(10))\nfiles = !ls")
    assert {"out", "total", "files"} <= set(f.defines)


def test_positions_map_back_through_magics():
    f = flow("%matplotlib inline\n\n%time value = compute(seed)")
    assert f.inputs == {"compute": (3, 9), "seed": (3, 17)}


def test_unparsable_cell_has_no_flow():
    assert flow("def (:") is None
