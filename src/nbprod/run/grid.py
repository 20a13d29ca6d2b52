"""Parameter files and grids (YAML), read into typed, validated points. Pure: text in, values out.

A parameters file (``-f params.yaml``) is a mapping of names to values. A grid file maps names to
lists (their cartesian product) and/or lists explicit points::

    grid:              # cartesian product; a scalar is the same in every point
      seed: [1, 2, 3]
      lr: [0.1, 0.01]
    points:            # explicit points, after the grid's
      - {seed: 7, lr: 1.0}

A mapping with neither ``grid`` nor ``points`` is a grid; ``grid`` may also be a list of grids.

YAML scalars are typed by the parameter's default like command-line values: for a string parameter
the text as written is kept (``version: 1.10`` stays ``"1.10"``), other values are YAML's own and
must be JSON values of the parameter's type. Errors name the file and line.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from typing import Any, Mapping

from nbprod.run.params import ParamError, ParamSpec, check_name, format_value, spec_for, typed


@dataclass(frozen=True)
class Point:
    """One set of parameter values of a batch, with a label made of its varied values."""

    values: Mapping[str, Any]
    label: str


def read_params(text: str, where: str, specs: Mapping[str, ParamSpec], allow_unknown=False):
    """The typed values of a parameters file."""
    root = _root(text, where)
    if root is None:
        return {}
    return _point(root, where, specs, allow_unknown)


def read_grid(
    text: str, where: str, specs: Mapping[str, ParamSpec], allow_unknown: bool = False
) -> list[dict[str, Any]]:
    """The points of a grid file, in order (grid points first), without duplicates."""
    import yaml

    root = _root(text, where)
    if root is None:
        raise ParamError(f"{where}: empty grid")
    keys = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    if not {"grid", "points"} & set(keys):
        grids, points = [root], None
    else:
        unexpected = set(keys) - {"grid", "points"}
        if unexpected:
            raise ParamError(
                f"{where}: unexpected key {sorted(unexpected)[0]!r} beside 'grid'/'points'"
            )
        grids = _items(keys["grid"], where, "grid") if "grid" in keys else []
        points = keys.get("points")
    out: list[dict[str, Any]] = []
    for grid in grids:
        out += _product(grid, where, specs, allow_unknown)
    if points is not None:
        for node in _items(points, where, "points"):
            out.append(_point(node, where, specs, allow_unknown))
    seen: set[str] = set()
    unique = [p for p in out if not (_key(p) in seen or seen.add(_key(p)))]
    if not unique:
        raise ParamError(f"{where}: the grid has no points")
    return unique


def points(values: list[Mapping[str, Any]]) -> list[Point]:
    """Label each point by the values that vary across the batch (``seed=1,lr=0.1``)."""
    names = list(dict.fromkeys(name for v in values for name in v))
    varied = [n for n in names if len({format_value(v.get(n)) for v in values}) > 1]
    return [
        Point(v, ",".join(f"{n}={_label_value(v[n])}" for n in varied if n in v)) for v in values
    ]


def file_stem(stem: str, label: str) -> str:
    """A file name stem for a point's output notebook: ``train-seed=1,lr=0.1``."""
    if not label:
        return stem
    safe = re.sub(r"[^A-Za-z0-9._=,+-]", "_", label)
    if len(safe) > 100:
        safe = safe[:90] + "-" + hashlib.sha256(label.encode()).hexdigest()[:8]
    return f"{stem}-{safe}"


# -- YAML nodes ------------------------------------------------------------------------------------


def _root(text: str, where: str):
    import yaml

    from nbprod.yamlnodes import YamlSyntaxError, compose

    try:
        root = compose(text)
    except YamlSyntaxError as exc:
        line = f":{exc.line}" if exc.line is not None else ""
        raise ParamError(f"{where}{line}: invalid YAML: {exc.problem}") from None
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        raise ParamError(f"{where}:{root.start_mark.line + 1}: expected a mapping of names")
    return root


def _items(node, where: str, what: str) -> list:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode) and what == "grid":
        return [node]
    raise ParamError(f"{where}:{node.start_mark.line + 1}: '{what}' must be a list")


def _pairs(node, where: str, specs, allow_unknown: bool):
    """(name, spec, value node, line) of a mapping node of parameters."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise ParamError(f"{where}:{node.start_mark.line + 1}: expected a mapping of names")
    for key, value in node.value:
        line = key.start_mark.line + 1
        try:
            name = check_name(
                key.value if isinstance(key, yaml.ScalarNode) else None, specs, allow_unknown
            )
        except ParamError as exc:
            raise ParamError(f"{where}:{line}: {exc}") from None
        yield name, spec_for(specs, name), value, line


def _value(node, spec: ParamSpec, where: str, line: int) -> Any:
    import yaml

    if spec.type == "str" and isinstance(node, yaml.ScalarNode):
        return node.value
    loader = yaml.SafeLoader("")
    try:
        value = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise ParamError(f"{where}:{line}: {spec.name}: {exc}") from None
    finally:
        loader.dispose()
    try:
        return typed(spec, value)
    except ParamError as exc:
        raise ParamError(f"{where}:{node.start_mark.line + 1}: {exc}") from None


def _point(node, where: str, specs, allow_unknown: bool) -> dict[str, Any]:
    return {
        name: _value(value, spec, where, line)
        for name, spec, value, line in _pairs(node, where, specs, allow_unknown)
    }


def _product(node, where: str, specs, allow_unknown: bool) -> list[dict[str, Any]]:
    import yaml

    axes: list[tuple[str, list[Any]]] = []
    for name, spec, value, line in _pairs(node, where, specs, allow_unknown):
        if isinstance(value, yaml.SequenceNode) and spec.type != "list":
            choices = [_value(v, spec, where, line) for v in value.value]
            if not choices:
                raise ParamError(f"{where}:{line}: {name}: an empty list gives no points")
        elif (
            isinstance(value, yaml.SequenceNode)
            and value.value
            and all(isinstance(v, yaml.SequenceNode) for v in value.value)
        ):  # a list parameter varies over a list of lists
            choices = [_value(v, spec, where, line) for v in value.value]
        else:
            choices = [_value(value, spec, where, line)]
        axes.append((name, choices))
    names = [name for name, _ in axes]
    return [
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*(c for _, c in axes))
    ]


def _key(values: Mapping[str, Any]) -> str:
    return format_value(sorted(values.items()))


def _label_value(value: Any) -> str:
    return value if isinstance(value, str) else format_value(value)
