"""Notebook parameters: read them from the parameters cell, type and validate values, render them.

Pure functions, no I/O. A parameter can never execute code:

* names must be identifiers (not keywords) known to the parameters cell (``nb.flow(cell)``),
  unless the caller allows unknown names, which must still be identifiers;
* values are JSON values only (``None``, bool, int, finite float, str, lists and str-keyed dicts
  of those), typed by the default's type (``lr = 0.01`` makes ``-p lr 1`` the float ``1.0``; a
  string default keeps ``-p version 1.10`` as the string ``"1.10"``);
* the injected cell is rendered here, one ``name = repr(value)`` line per validated value, and
  checked to be nothing but literal assignments before it is handed to papermill.

A parameter whose default is not a literal (``n = int(os.environ["N"])``) has type ``any`` and
accepts any JSON value; from the command line such a value is read as JSON when it parses and as
a string otherwise.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import keyword
import math
import tokenize
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

#: type name -> Python type of a JSON value (bool is checked before int: it is an int subclass)
TYPES: dict[str, type | None] = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "list": list,
    "dict": dict,
    "None": type(None),
    "any": None,
}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
INJECTED_TAG = "injected-parameters"


class ParamError(ValueError):
    """A parameter that cannot be accepted; ``str()`` is the one-line user message."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a notebook: its name, type, default (a JSON value, or None when the default
    is not a literal), the default's source text, the cell line and the help comment."""

    name: str
    type: str
    default: Any
    source: str
    line: int
    help: str = ""


# -- reading the parameters cell ------------------------------------------------------------------


def parameter_specs(nb: Notebook) -> dict[str, ParamSpec]:
    """The parameters of a notebook, in the order the parameters cell defines them.

    Empty when the notebook has no parameters cell or the cell is not valid Python."""
    cell = nb.parameters_cell
    if cell is None:
        return {}
    view, flow = nb.view(cell), nb.flow(cell)
    if view is None or view.tree is None or flow is None:
        return {}
    not_params = {i.name for i in flow.imports} | {f.name for f in flow.functions}
    comments = _comments(view.code)
    specs: dict[str, ParamSpec] = {}
    for stmt in view.tree.body:
        for name, value, annotation in _assignments(stmt):
            if name not in flow.defines or name in not_params:
                continue
            line = view.to_cell(stmt.lineno)[0]
            source = ast.get_source_segment(view.code, value) or "" if value is not None else ""
            default, kind = _literal(value, annotation)
            help_text = comments.get(stmt.end_lineno or stmt.lineno, "")
            specs[name] = ParamSpec(name, kind, default, source, line, help_text)
    for name, (line, _) in flow.defines.items():  # defined some other way: `for seed in ...`
        if name not in specs and name not in not_params:
            specs[name] = ParamSpec(name, "any", None, "", line)
    return specs


def _assignments(stmt: ast.stmt) -> Iterable[tuple[str, ast.expr | None, ast.expr | None]]:
    """(name, value, annotation) bound by a top-level assignment statement."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        yield stmt.target.id, stmt.value, stmt.annotation
    elif isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value, None
            elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
                if len(target.elts) == len(stmt.value.elts):
                    for t, v in zip(target.elts, stmt.value.elts, strict=True):
                        if isinstance(t, ast.Name):
                            yield t.id, v, None


def _literal(value: ast.expr | None, annotation: ast.expr | None) -> tuple[Any, str]:
    """The default as a JSON value and its type name; (None, "any") when it is not a literal."""
    annotated = annotation.id if isinstance(annotation, ast.Name) else None
    try:
        default = ast.literal_eval(value) if value is not None else None
        check_json(default, "default")
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, ParamError):
        return None, annotated if annotated in TYPES and annotated != "None" else "any"
    if annotated in TYPES and annotated not in ("None", "any"):
        return default, annotated
    return default, type_name(default)


def _comments(code: str) -> dict[int, str]:
    """Line -> trailing comment text (``seed = 1  # random seed`` -> ``random seed``)."""
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def type_name(value: Any) -> str:
    """The type name of a JSON value (see :data:`TYPES`)."""
    for name, kind in TYPES.items():
        if kind is not None and isinstance(value, kind):
            return name
    return "any"


# -- validating values ---------------------------------------------------------------------------


def check_name(name: Any, specs: Mapping[str, ParamSpec], allow_unknown: bool = False) -> str:
    """The name, if it is an identifier known to the parameters cell; else a :class:`ParamError`."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ParamError(f"{name!r} is not a valid parameter name (it must be a Python identifier)")
    if name not in specs and not allow_unknown:
        close = difflib.get_close_matches(name, list(specs), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(specs) or "none: the notebook has no parameters cell"
        raise ParamError(
            f"unknown parameter {name!r}{hint} (known: {known}; --allow-unknown passes it anyway)"
        )
    return name


def check_json(value: Any, where: str) -> Any:
    """The value, if it is a JSON value; else a :class:`ParamError` saying what is wrong."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParamError(f"{where}: {value!r} is not a JSON number")
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{where}[{i}]")
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ParamError(f"{where}: dict key {key!r} is not a string")
            check_json(item, f"{where}[{key!r}]")
        return value
    hints = {"tuple": "use a list", "bytes": "decode it to str", "set": "use a list"}
    kind = type(value).__name__
    hint = f" ({hints[kind]})" if kind in hints else ""
    raise ParamError(f"{where}: a {kind} is not a JSON value{hint}")


def typed(spec: ParamSpec, value: Any) -> Any:
    """A JSON value checked against (and converted to) the parameter's type."""
    check_json(value, spec.name)
    want = spec.type
    if want == "any" or value is None and want == "None":
        return value
    if want == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type_name(value) != want:
        raise ParamError(
            f"{spec.name}: expected {_article(want)} (the default is {spec.source or 'None'}), "
            f"got {_article(type_name(value))}: {_short(value)}"
        )
    return value


def from_text(spec: ParamSpec, text: str) -> Any:
    """A command-line string typed by the parameter's type (``-p NAME TEXT``)."""
    want = spec.type
    if want == "str":
        return text
    if want == "bool":
        low = text.strip().lower()
        if low in _TRUE | _FALSE:
            return low in _TRUE
        raise ParamError(f"{spec.name}: expected a bool (true or false), got {text!r}")
    if want == "int":
        stripped = text.strip().replace("_", "")
        if stripped.lstrip("+-").isdigit():
            try:
                return int(stripped)
            except ValueError as exc:  # more digits than Python converts
                raise ParamError(f"{spec.name}: {exc}") from None
        raise ParamError(f"{spec.name}: expected an int, got {text!r}")
    if want == "float":
        try:
            number = float(text)
        except ValueError:
            raise ParamError(f"{spec.name}: expected a float, got {text!r}") from None
        if not math.isfinite(number):
            raise ParamError(f"{spec.name}: {text!r} is not a JSON number")
        return number
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        if want == "any":
            return text
        raise ParamError(f"{spec.name}: expected {_article(want)} as JSON, got {text!r}") from None
    return typed(spec, value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def resolve(
    specs: Mapping[str, ParamSpec],
    *layers: Mapping[str, Any],
    texts: Iterable[tuple[str, str]] = (),
    allow_unknown: bool = False,
) -> dict[str, Any]:
    """Validated values from ``layers`` of typed values (later ones win), then ``texts``
    (command-line pairs). Raises :class:`ParamError` on the first bad name or value."""
    out: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            check_name(name, specs, allow_unknown)
            out[name] = typed(spec_for(specs, name), value)
    for name, text in texts:
        check_name(name, specs, allow_unknown)
        out[name] = from_text(spec_for(specs, name), text)
    return out


def spec_for(specs: Mapping[str, ParamSpec], name: str) -> ParamSpec:
    """The spec of a name, or an ``any`` spec for an (allowed) unknown name."""
    return specs.get(name) or ParamSpec(name, "any", None, "", 0)


# -- rendering -----------------------------------------------------------------------------------


def render(values: Mapping[str, Any]) -> str:
    """The source of the injected parameters cell: one literal assignment per validated value.

    Defence in depth: the result is parsed back and must be exactly these assignments of these
    literals, or a :class:`ParamError` is raised."""
    lines = ["# Parameters"]
    for name, value in values.items():
        check_name(name, {}, allow_unknown=True)
        lines.append(f"{name} = {repr(check_json(value, name))}")
    source = "\n".join(lines) + "\n"
    tree = ast.parse(source)
    for stmt, (name, value) in zip(tree.body, values.items(), strict=True):
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else None
        if not isinstance(target, ast.Name) or target.id != name:
            raise ParamError(f"{name}: cannot be rendered safely")
        if ast.literal_eval(stmt.value) != value:
            raise ParamError(f"{name}: value does not round-trip")
    return source


def format_value(value: Any) -> str:
    """A value as JSON, for tables and messages."""
    return json.dumps(value, ensure_ascii=False)


def _article(kind: str) -> str:
    return {"int": "an int", "any": "any value", "None": "None"}.get(kind, f"a {kind}")


def _short(value: Any, width: int = 40) -> str:
    text = format_value(value)
    return text if len(text) <= width else text[: width - 3] + "..."
