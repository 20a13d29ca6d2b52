"""Where each cell's source strings sit in the raw ``.ipynb`` JSON text.

The standard ``json`` module forgets positions, so this module scans the text once with a token
regex (strings, punctuation, bare literals) and a path stack, and returns, for every cell in
document order, the offsets of the JSON strings that make up its ``source`` (nbformat 4) or
``input``/``source`` (nbformat 3, all worksheets). It is only used when a physical position is
asked for, so linting a clean notebook never pays for it.
"""

from __future__ import annotations

import json
import re

_TOKEN = re.compile(r'\s*(?:"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+)', re.S)
_SOURCE_KEYS = ("source", "input")
#: values never holding cell sources: skipped with the C JSON scanner instead of tokenised
_SKIP_KEYS = frozenset({"outputs", "metadata", "attachments"})
_skip_value = json.JSONDecoder().raw_decode
_SPACE = re.compile(r"\s*")


def _is_cell_source(path: list) -> bool:
    """True when ``path`` (keys and indexes from the root) points into a cell's source."""
    n = len(path)
    if n >= 3 and path[0] == "cells" and path[2] == "source":  # v4: cells[i].source[...]
        return n in (3, 4)
    if n >= 5 and path[0] == "worksheets" and path[2] == "cells" and path[4] in _SOURCE_KEYS:
        return n in (5, 6)  # v3: worksheets[w].cells[i].input[...]
    return False


def _cell_key(path: list) -> tuple:
    return tuple(path[:2]) if path[0] == "cells" else tuple(path[:4])


def source_string_offsets(text: str) -> list[list[tuple[int, str]]]:
    """For each cell in order: ``[(offset of the opening quote, decoded string), ...]``."""
    cells: dict[tuple, list[tuple[int, str]]] = {}
    braces: dict[tuple, int] = {}  # where each cell object opens: the place of an empty source
    order: list[tuple] = []
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
        if first == "{":
            if _is_cell_object(path):
                cells[tuple(path)] = []
                order.append(tuple(path))
                braces[tuple(path)] = m.end() - 1
            kinds.append("{")
            path.append(None)
            expect_key = True
        elif first == "[":
            kinds.append("[")
            path.append(0)
            expect_key = False
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
            if path and path[-1] in _SKIP_KEYS:
                try:
                    pos = _skip_value(text, _SPACE.match(text, pos).end())[1]
                except ValueError:
                    pass
        elif first == '"':
            if expect_key and kinds and kinds[-1] == "{":
                path[-1] = json.loads(tok)
                continue
            if _is_cell_source(path):
                start = m.end() - len(tok)
                cells.setdefault(_cell_key(path), []).append((start, json.loads(tok)))
    return [cells[k] or [(braces[k], "")] for k in order]


def _is_cell_object(path: list) -> bool:
    """True when an object opening at ``path`` is a cell (v4 ``cells[i]``, v3 worksheet cell)."""
    if len(path) == 2:
        return path[0] == "cells" and isinstance(path[1], int)
    return len(path) == 4 and path[0] == "worksheets" and path[2] == "cells"


def escaped_length(s: str) -> int:
    """How many characters ``s`` takes inside a JSON string as nbformat writes it."""
    return len(json.dumps(s, ensure_ascii=False)) - 2
