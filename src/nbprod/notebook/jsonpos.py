"""Where each cell's source strings sit in the raw ``.ipynb`` JSON text.

The standard ``json`` module forgets positions, so this module finds them. A token regex and a
path stack walk the notebook's outer structure only (the top-level object, ``cells`` or
``worksheets[w].cells``); in each cell object only its own keys are read, every value decoded
whole by the C scanner, and the strings of its ``source`` (nbformat 4) or ``input``/``source``
(nbformat 3) value are located by one regex pass, so no per-line Python work is done. It is only used when a physical position is asked
for, so linting a clean notebook never pays for it.
"""

from __future__ import annotations

import json
import re

_TOKEN = re.compile(r'\s*(?:"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+)', re.S)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SPACE = re.compile(r"\s*")
_decode = json.JSONDecoder().raw_decode
#: the keys of a cell's source: ``input`` is an nbformat 3 code cell's
_SOURCE_KEYS = ("source", "input")
_KEY = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*:\s*', re.S)
_SEP = re.compile(r"\s*([,}])")
_CLOSE = re.compile(r"\s*}")
#: top-level values walked token by token; any other value is skipped with the C scanner
_WALKED = frozenset({"cells", "worksheets"})


def source_string_offsets(text: str) -> list[list[tuple[int, str]]]:
    """For each cell in order: ``[(offset of the opening quote, decoded string), ...]``; a cell
    with an empty source gives the offset of its opening brace."""
    cells: list[list[tuple[int, str]]] = []
    path: list = []  # keys (str) and indexes (int) of the open containers
    kinds: list[str] = []  # "{" or "[" for each open container
    expect_key = False
    pos, size, match = 0, len(text), _TOKEN.match
    while pos < size:
        m = match(text, pos)
        if m is None:
            break
        pos = m.end()
        tok = m.group().lstrip()
        if not tok:
            break
        first = tok[0]
        if first == "{" and _is_cell_object(path):
            start = pos - 1
            try:
                strings, pos = _cell_sources(text, start)
            except ValueError:
                break
            cells.append(strings or [(start, "")])
            expect_key = False
        elif first in "{[":
            kinds.append(first)
            path.append(None if first == "{" else 0)
            expect_key = first == "{"
        elif first in "}]":
            if kinds:
                kinds.pop()
                path.pop()
            expect_key = False
        elif first == ",":
            if kinds and kinds[-1] == "[":
                path[-1] += 1
            else:
                expect_key = True
        elif first == ":":
            expect_key = False
            if path and path[-1] not in _WALKED:
                try:  # a value holding no cells: skip it whole
                    pos = _decode(text, _SPACE.match(text, pos).end())[1]
                except ValueError:
                    break
        elif first == '"' and expect_key and kinds and kinds[-1] == "{":
            path[-1] = json.loads(tok)
    return cells


def _is_cell_object(path: list) -> bool:
    """True when an object opening at ``path`` is a cell (v4 ``cells[i]``, v3 worksheet cell)."""
    if len(path) == 2:
        return path[0] == "cells" and isinstance(path[1], int)
    return len(path) == 4 and path[0] == "worksheets" and path[2] == "cells"


def _cell_sources(text: str, start: int) -> tuple[list[tuple[int, str]], int]:
    """The source strings of the cell object opening at ``text[start]``, and where it ends.

    Only the object's own keys are read (each value decoded whole by the C scanner), so a
    ``source`` key nested in its metadata or outputs is never taken for the cell's."""
    found: dict[str, tuple[int, int, object]] = {}
    end = _CLOSE.match(text, start + 1)
    pos = end.end() if end else start + 1
    while not end:
        key = _KEY.match(text, pos)
        if key is None:
            raise ValueError("not a JSON object")
        value, after = _decode(text, key.end())
        if key.group(1) in _SOURCE_KEYS:
            found[key.group(1)] = (key.end(), after, value)
        sep = _SEP.match(text, after)
        if sep is None:
            raise ValueError("not a JSON object")
        pos, end = sep.end(), sep.group(1) == "}"
    for name in _SOURCE_KEYS:  # "source"; "input" for an nbformat 3 code cell
        if name in found:
            return _strings(text, *found[name]), pos
    return [], pos


def _strings(text: str, start: int, end: int, value: object) -> list[tuple[int, str]]:
    """The (offset, decoded string) of a source value spanning ``text[start:end]``: one string,
    or an array of strings located by one regex pass."""
    if isinstance(value, str):
        return [(start, value)]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return []
    offsets = [m.start() for m in _STRING.finditer(text, start, end)]
    return list(zip(offsets, value, strict=True)) if len(offsets) == len(value) else []


def escaped_length(s: str) -> int:
    """How many characters ``s`` takes inside a JSON string as nbformat writes it."""
    return len(json.dumps(s, ensure_ascii=False)) - 2
