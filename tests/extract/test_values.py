"""Value summaries and their comparison (the module is also copied into extracted packages)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from nbprod.extract.values import compare, describe, record, summarize


def test_scalars_are_kept_exactly():
    assert summarize(3) == {"type": "int", "value": 3}
    assert summarize(np.float64(0.5)) == {"type": "float", "value": 0.5}
    assert summarize(float("nan")) == {"type": "float", "value": "nan"}
    assert summarize("abc") == {"type": "str", "value": "abc"}
    assert summarize(None) == {"type": "NoneType", "value": None}
    assert summarize([1, "a", True]) == {"type": "list", "len": 3, "value": [1, "a", True]}
    assert summarize(b"xy")["len"] == 2


def test_modules_functions_and_classes_are_not_values():
    assert summarize(math) is None
    assert summarize(len) is None
    assert summarize(int) is None


def test_arrays_and_frames_are_summarised_by_shape_dtype_hash_and_statistics():
    a = np.arange(6, dtype="float64").reshape(2, 3)
    s = summarize(a)
    assert (s["type"], s["shape"], s["dtype"], s["stats"]) == (
        "ndarray",
        [2, 3],
        "float64",
        [15.0, 0.0, 5.0],
    )
    df = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})
    f = summarize(df)
    assert (f["shape"], f["columns"], f["dtypes"], f["stats"]) == (
        [2, 2],
        ["x", "y"],
        ["int64", "str"],
        [3.0, 1.0, 2.0],
    )
    assert describe(f).startswith("DataFrame 2x2 ")
    json.dumps([s, f])  # JSON-able


def test_comparison_statuses():
    a = np.linspace(0, 1, 50)
    assert compare(summarize(a), summarize(a.copy())) == ("ok", "")
    assert compare(summarize(a), summarize(a + 1e-12))[0] == "close"
    assert compare(summarize(a), summarize(a + 1))[0] == "mismatch"
    assert compare(summarize(a), summarize(a[:10]))[0] == "mismatch"
    assert compare(summarize(a), summarize(a + 1), deterministic=False)[0] == "structure"
    assert compare(summarize(1), summarize(1.0))[0] == "ok"
    assert compare(summarize(0.1 + 0.2), summarize(0.3))[0] == "ok"
    assert compare(summarize(2), None) == ("missing", "not produced")


def test_fitted_estimators_are_compared_by_what_they_learnt():
    X, y = np.arange(10.0).reshape(-1, 1), np.arange(10.0) * 2
    one, two = LinearRegression().fit(X, y), LinearRegression().fit(X, y)
    assert compare(summarize(one), summarize(two))[0] == "ok"
    assert compare(summarize(one), summarize(LinearRegression().fit(X, -y)))[0] == "mismatch"


def test_objects_are_compared_by_class_name_only():
    class Report:
        pass

    assert compare(summarize(Report()), {"type": "__main__.Report"}) == (
        "not compared",
        "object: type only",
    )


def test_record_appends_json_lines(tmp_path):
    path = tmp_path / "values.jsonl"
    record(path, "step:a", {"x": 1})
    record(path, "results", {"y": [1, 2]})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [
        {"key": "step:a", "values": {"x": {"type": "int", "value": 1}}},
        {"key": "results", "values": {"y": {"type": "list", "len": 2, "value": [1, 2]}}},
    ]


def test_summarize_never_raises():
    class Broken(dict):
        def values(self):
            raise RuntimeError("no")

    summary = summarize(Broken(a=1))
    assert summary["type"].endswith("Broken") and summary["note"] == "not summarised: RuntimeError"
