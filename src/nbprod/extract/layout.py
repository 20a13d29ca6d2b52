"""black's layout of the code nbprod writes itself, computed without running black.

Every generated Python file is black-formatted, and black costs about 0.3 ms per output line and
pass (two passes when it changes anything): most of a cold extraction. Most lines of a project
are nbprod's own (the run function, the tests, the command line, the config), in a few regular
shapes whose black layout is short to state:

* a line that fits in :data:`LINE_LENGTH` columns stays as it is;
* one that does not is split at its last bracket (:class:`Bracket`): the opening line, the
  contents indented on one line if they fit (arguments of a call), else one item per line with a
  trailing comma (also always for a list or dict literal), then the closing line.

A :class:`Module` collects lines in that layout; anything outside those shapes (a long line of
another form, a string or value whose literal black would rewrite, a docstring black would
touch) makes it inexact, and the caller then formats it with black as it does the notebook's
own code. Either way the bytes are black's: tests/extract/test_layout.py compares both on many
generated shapes.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LINE_LENGTH = 100
INDENT = "    "


@dataclass(frozen=True)
class Bracket:
    """``head`` + ``items`` joined by ", " + ``tail``: ``head`` ends with the opening bracket,
    ``tail`` starts with the closing one. ``collection``: a list, dict or import list (black puts
    one item per line as soon as it splits one), not the arguments of a call."""

    head: str
    items: Sequence[Item]
    tail: str
    collection: bool = False

    def __str__(self) -> str:
        return self.head + ", ".join(map(str, self.items)) + self.tail


Item = str | Bracket


def docstring(text: str, indent: str = "") -> str:
    """``text`` as a docstring at ``indent``: lines wrapped to fit, quotes on their own line when
    it has several."""
    wrapped = []
    for line in text.strip().splitlines():
        wrapped += textwrap.wrap(line, LINE_LENGTH - 4 - len(indent)) or [""]
    body = "\n".join((indent + w) if i and w else w for i, w in enumerate(wrapped))
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    close = f"\n{indent}" if len(wrapped) > 1 else ""
    return f'"""{body}{close}"""'


def fits(line: str) -> bool:
    """Whether black leaves ``line`` on one line (ASCII only: black measures wide characters
    double)."""
    return len(line) <= LINE_LENGTH and line.isascii()


class Module:
    """Lines of a generated module in black's layout; :attr:`exact` is false once one of them
    may not be (black must then format :meth:`text`)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.exact = True

    def text(self) -> str:
        return "\n".join(self.out) + "\n"

    def lines(self, *lines: str) -> None:
        """Lines in black's style; each must fit."""
        for line in lines:
            self.exact = self.exact and fits(line)
            self.out.append(line)

    def verbatim(self, lines: Sequence[str]) -> None:
        """Lines copied from a black-formatted source file."""
        self.out += lines

    def doc(self, text: str, indent: str = "", *, wrap: bool = True) -> None:
        """A docstring: :func:`docstring`, or ``text`` in triple quotes as it is. Exact unless
        black would change it: quotes or a backslash at its ends (or anywhere, unwrapped: its
        backslashes are not escaped; and then on one line), unprintable characters, spaces
        around a line."""
        body = text.strip()
        ends = body[:1] + body[-1:] if wrap else body
        self.exact = self.exact and (
            bool(body)
            and (wrap or "\n" not in body)
            and not any(c in ends for c in '"\\')
            and all(line.isprintable() and line == line.strip() for line in body.splitlines())
        )
        self.out.append(indent + (docstring(text, indent) if wrap else f'"""{text}"""'))

    def imports(self, block: str) -> None:
        """An import block, one import a line: a ``from m import a, b`` that does not fit is
        split one name a line, in parentheses."""
        for line in block.splitlines():
            head, _, names = line.partition(" import ")
            if fits(line) or not head.startswith("from ") or ", " not in names:
                self.lines(line)
            else:
                self.bracket("", Bracket(f"{head} import (", names.split(", "), ")", True))

    def string(self, text: str) -> str:
        """black's literal for ``text`` (double quotes; other strings are left to black)."""
        if '"' in text or "\\" in text or not text.isprintable():
            self.exact = False
            return repr(text)
        return f'"{text}"'

    def value(self, value: Any) -> str:
        """A Python literal for ``value``, exact for None, booleans, ints, plain floats and
        strings (black rewrites ``1e+20`` and lays out containers itself)."""
        if isinstance(value, str):
            return self.string(value)
        text = repr(value)
        plain = (
            value is None
            or isinstance(value, (bool, int))
            or (isinstance(value, float) and math.isfinite(value) and "e+" not in text)
        )
        self.exact = self.exact and plain
        return text

    def bracket(self, indent: str, bracket: Bracket) -> None:
        """A statement ending in a bracket, split at it when it does not fit."""
        self.out += self._split(indent, bracket, "")

    def call(self, indent: str, targets: Sequence[str], call: Bracket) -> None:
        """``targets = call`` (``call`` alone without targets). black splits the call when
        ``targets = head`` fits; else, two or more targets, it puts the call alone in parentheses
        when ``targets = (`` fits, and otherwise the targets one a line in parentheses, then
        ``) = call`` split as any call."""
        bound = f"{', '.join(targets)} = " if targets else ""
        if len(targets) < 2 or fits(f"{indent}{bound}{call.head}"):
            return self.bracket(indent, Bracket(bound + call.head, call.items, call.tail))
        if fits(f"{indent}{bound}("):
            inner = f"{indent}{INDENT}{call}"
            self.exact = self.exact and fits(inner)
            self.out += [f"{indent}{bound}(", inner, f"{indent})"]
            return None
        self.lines(f"{indent}(", *(f"{indent}{INDENT}{t}," for t in targets))
        self.out += self._split(indent, Bracket(f") = {call.head}", call.items, call.tail), "")
        return None

    def _split(self, indent: str, bracket: Bracket, after: str) -> list[str]:
        flat = f"{indent}{bracket}{after}"
        if fits(flat):
            return [flat]
        head, tail = indent + bracket.head, indent + bracket.tail + after
        inner = indent + INDENT
        if len(bracket.items) == 1 and isinstance(bracket.items[0], str) and not after:
            lines = [head, inner + bracket.items[0], tail]  # no comma to split at: no comma added
            self.exact = self.exact and all(map(fits, lines))
            return lines
        if len(bracket.items) < 2 or not fits(head) or not fits(tail):
            self.exact = False
            return [flat]
        joined = inner + ", ".join(map(str, bracket.items))
        if not bracket.collection and fits(joined):
            return [head, joined, tail]
        lines = [head]
        for item in bracket.items:
            if isinstance(item, Bracket):
                lines += self._split(inner, item, ",")
            else:
                self.exact = self.exact and fits(f"{inner}{item},")
                lines.append(f"{inner}{item},")
        return [*lines, tail]
