"""Value summaries: what nbprod records of a notebook's values, and how two records are compared.

This module is self-contained on purpose (standard library only; numpy and pandas are looked up
in ``sys.modules``, never imported): the same source is exec'd in the notebook's kernel to capture
golden values and copied into every extracted package as ``_values.py`` for its tests and
``--values-json``, so the notebook and the package are summarised by the very same code.

A summary is a small JSON-able dict: exact values for scalars and short strings; type, shape,
dtype(s), a sha256 of the bytes and a few statistics for arrays, frames and series; the type name
only for other objects (models, figures, files), which are not compared.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import types

#: statuses of :func:`compare` that count as a match
MATCHING = ("ok", "close", "structure", "not compared")
_MAX_ITEMS = 50
_MAX_STR = 2000
_REL_TOL = 1e-7


def summarize(value, depth=0):
    """A JSON-able summary of ``value``; None for modules, functions and classes. Never raises:
    a value that cannot be summarised is recorded by its type."""
    try:
        return _summarize(value, depth)
    # a broken __len__, an exotic array...: the type is still worth recording
    except Exception as exc:  # noqa: BLE001
        return {"type": _type_name(value), "note": f"not summarised: {type(exc).__name__}"}


def _summarize(value, depth):
    if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
        return None
    if value is None or isinstance(value, bool):
        return {"type": type(value).__name__, "value": value}
    if isinstance(value, int):
        return {"type": "int", "value": value if abs(value) < 2**53 else str(value)}
    if isinstance(value, float):
        return {"type": "float", "value": _float(value)}
    if isinstance(value, str):
        if len(value) <= _MAX_STR:
            return {"type": "str", "value": value}
        return {"type": "str", "len": len(value), "sha256": _sha(value.encode())}
    if isinstance(value, (bytes, bytearray)):
        return {"type": type(value).__name__, "len": len(value), "sha256": _sha(bytes(value))}
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if np is not None and isinstance(value, np.generic):
        return summarize(value.item(), depth)
    if np is not None and isinstance(value, np.ndarray):
        return _array(value, np)
    if pd is not None and isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return _pandas(value, pd, np)
    if pd is not None and isinstance(value, (pd.Timestamp, pd.Timedelta, pd.Period)):
        return {"type": type(value).__name__, "value": str(value)}
    if isinstance(value, (list, tuple, set, frozenset, dict)) and depth < 3:
        return _container(value, depth)
    fitted = _fitted_attributes(value) if depth < 2 else {}
    if fitted:  # a fitted scikit-learn estimator: compare what it learnt (coef_, labels_...)
        return {**_container(fitted, depth), "type": _type_name(value)}
    return {"type": _type_name(value)}


def compare(expected, actual, deterministic=True):
    """``(status, note)``: ok, close, structure (nondeterministic: structure only), not compared,
    missing or mismatch."""
    if actual is None:
        return "missing", "not produced"
    keys = set(expected) | set(actual)
    if keys <= {"type", "note"}:  # a class of the notebook lives in __main__, then in PKG.pipeline
        same = expected["type"].rsplit(".", 1)[-1] == actual["type"].rsplit(".", 1)[-1]
        return ("not compared", "object: type only") if same else ("mismatch", "different types")
    if expected.get("type") != actual.get("type") and not _both_numbers(expected, actual):
        return "mismatch", f"type {expected.get('type')} != {actual.get('type')}"
    # a nondeterministic value's length may vary too (a directory listing, a random sample)
    structure = [k for k in ("shape", "dtype", "dtypes", "columns", "len", "keys") if k in keys]
    structure = structure if deterministic else [k for k in structure if k != "len"]
    for key in structure:
        if expected.get(key) != actual.get(key):
            return "mismatch", f"{key} {_short(expected.get(key))} != {_short(actual.get(key))}"
    if not deterministic:
        return "structure", "nondeterministic: structure compared"
    if "value" in keys:
        if _equal(expected.get("value"), actual.get("value")):
            return "ok", ""
        return "mismatch", f"{_short(expected.get('value'))} != {_short(actual.get('value'))}"
    if "items" in keys:
        for i, (e, a) in enumerate(zip(expected.get("items", []), actual.get("items", []))):
            status, note = compare(e, a) if e and a else ("ok", "")
            if status not in MATCHING:
                return "mismatch", f"item {i}: {note}"
        return "ok", ""
    if expected.get("sha256") == actual.get("sha256"):
        return "ok", ""
    if "stats" in keys and _equal(expected.get("stats"), actual.get("stats"), _REL_TOL):
        return "close", "equal to 1e-7 (not bit-identical)"
    return "mismatch", "different values"


def describe(summary):
    """A one-line human description of a summary."""
    if summary is None:
        return "-"
    kind = summary.get("type", "?")
    if "value" in summary:
        return _short(summary["value"])
    parts = [kind]
    if "shape" in summary:
        parts.append("x".join(str(n) for n in summary["shape"]))
    elif "len" in summary:
        parts.append(f"len {summary['len']}")
    if "dtype" in summary:
        parts.append(str(summary["dtype"]))
    if "sha256" in summary:
        parts.append(summary["sha256"][:10])
    return " ".join(parts)


def record(path, key, values):
    """Append the summaries of ``values`` (name -> value) under ``key`` to a JSON-lines file."""
    entry = {"key": key, "values": {name: summarize(v) for name, v in values.items()}}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, sort_keys=True) + "\n")


# -- summaries -------------------------------------------------------------------------------------


def _float(x):
    return x if math.isfinite(x) else repr(x)


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _type_name(value):
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _array(a, np):
    out = {"type": "ndarray", "shape": list(a.shape), "dtype": str(a.dtype)}
    if a.dtype.kind in "biufcmM":
        out["sha256"] = _sha(np.ascontiguousarray(a).tobytes())
        if a.dtype.kind in "biuf" and a.size:
            with np.errstate(all="ignore"):
                f = a.astype("float64")
                out["stats"] = [
                    _float(float(v)) for v in (np.nansum(f), np.nanmin(f), np.nanmax(f))
                ]
    else:
        out["sha256"] = _sha(repr(a.tolist()).encode())
    return out


def _pandas(obj, pd, np):
    out = {"type": type(obj).__name__, "shape": list(obj.shape)}
    if isinstance(obj, pd.DataFrame):
        out["columns"] = [str(c) for c in obj.columns]
        out["dtypes"] = [str(t) for t in obj.dtypes]
        numeric = obj.select_dtypes("number")
        values = numeric.to_numpy(dtype="float64", na_value=np.nan) if numeric.shape[1] else None
    else:
        out["dtype"] = str(obj.dtype)
        is_number = obj.dtype.kind in "biuf"
        values = np.asarray(obj, dtype="float64") if is_number else None
    try:
        hashed = pd.util.hash_pandas_object(obj, index=not isinstance(obj, pd.Index))
        out["sha256"] = _sha(np.asarray(hashed).tobytes())
    except (TypeError, ValueError):  # unhashable cells (lists, dicts): hash the text
        out["sha256"] = _sha(obj.to_string().encode())
    if values is not None and values.size:
        with np.errstate(all="ignore"):
            out["stats"] = [
                _float(float(v)) for v in (np.nansum(values), np.nanmin(values), np.nanmax(values))
            ]
    return out


def _fitted_attributes(value):
    """``coef_``, ``labels_``...: the public attributes ending in ``_`` of an object with
    ``get_params`` (the scikit-learn convention for what fitting learnt)."""
    if not callable(getattr(value, "get_params", None)) or not hasattr(value, "__dict__"):
        return {}
    return {
        k: v for k, v in sorted(vars(value).items()) if k.endswith("_") and not k.startswith("_")
    }


def _container(value, depth):
    if isinstance(value, dict):
        items = [summarize(v, depth + 1) for v in list(value.values())[:_MAX_ITEMS]]
        out = {
            "type": "dict",
            "len": len(value),
            "keys": [str(k) for k in list(value)[:_MAX_ITEMS]],
        }
    else:
        seq = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else list(value)
        items = [summarize(v, depth + 1) for v in seq[:_MAX_ITEMS]]
        out = {
            "type": (
                type(value).__name__ if type(value) in (list, tuple, set, frozenset) else "list"
            ),
            "len": len(value),
        }
    if (
        all(i is not None and set(i) <= {"type", "value"} for i in items)
        and len(value) <= _MAX_ITEMS
    ):
        out["value"] = [i["value"] for i in items]
        if isinstance(value, dict):
            out["value"] = dict(zip(out.pop("keys"), out["value"]))
    else:
        out["items"] = items
    return out


# -- comparison ------------------------------------------------------------------------------------


def _both_numbers(a, b):
    return {a.get("type"), b.get("type")} <= {"int", "float"}


def _equal(a, b, rel_tol=1e-9):
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-12)
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y, rel_tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k], rel_tol) for k in a)
    return a == b


def _short(value, width=40):
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
