"""``--fix`` and ``--diff``: apply the findings' ``Fix`` objects to a copy of the notebook's JSON
and give back the new text, written in the file's own style.

The style is read from the original text: indentation (nbformat writes one space), separators,
whether non-ASCII characters are escaped, LF or CRLF, and the trailing newline. Key order is the
file's own (``json`` keeps it) and cell ids and metadata are never touched by the engine, so only
what a fix edits changes in the file. Fixes are applied in passes, at most one per cell per pass,
re-linting the new text in between (like ruff), until nothing fixable remains. A notebook whose
layout would not survive a read/write round trip unchanged is not rewritten (that would churn
every line): the fixes are reported as not applied instead. Writing is atomic (temporary file in
the same directory, then ``os.replace``), keeps the file's mode and follows symlinks.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from nbprod.lint.engine import Outcome, lint_notebook

if TYPE_CHECKING:
    from nbprod.notebook import Notebook

MAX_PASSES = 10
_FIRST_INDENT = re.compile(r"\{\n([ \t]*)\"")
_FIRST_KEY = re.compile(r'"(?:[^"\\]|\\.)*"([ \t]*):([ \t]*)')
_NON_CONTROL_ESCAPE = re.compile(r"\\u(?!00[01][0-9a-fA-F])[0-9a-fA-F]{4}")


@dataclass(frozen=True)
class JsonStyle:
    """How a notebook file's JSON is laid out."""

    indent: str | None = " "
    item_separator: str = ","
    key_separator: str = ": "
    ensure_ascii: bool = False
    newline: str = "\n"
    final_newline: bool = True

    def dumps(self, data: Any) -> str:
        text = json.dumps(
            data,
            indent=self.indent,
            separators=(self.item_separator, self.key_separator),
            ensure_ascii=self.ensure_ascii,
        )
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return text + (self.newline if self.final_newline else "")


def detect_style(text: str) -> JsonStyle:
    """The :class:`JsonStyle` of a notebook's text."""
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n").lstrip()
    indent = _FIRST_INDENT.match(body)
    key = _FIRST_KEY.search(body)
    key_separator = f"{key.group(1)}:{key.group(2)}" if key else ": "
    item_separator = ","
    if indent is None:  # everything on one line: ", " or ","
        item_separator = ", " if re.search(r",[ \t]", body) else ","
    return JsonStyle(
        indent=indent.group(1) if indent else None,
        item_separator=item_separator,
        key_separator=key_separator,
        ensure_ascii=text.isascii() and bool(_NON_CONTROL_ESCAPE.search(text)),
        newline=newline,
        final_newline=body.endswith("\n"),
    )


def _source_keys(data: Mapping[str, Any]) -> dict[Any, type]:
    return {
        cell.get("id", i): type(cell.get("source")) for i, cell in enumerate(data.get("cells", []))
    }


def _keep_source_form(data: dict[str, Any], before: Mapping[Any, type]) -> None:
    """A fix that set a cell's source to a string where the file had a list of lines (nbformat's
    form) gets the list form back; new cells take the notebook's usual form."""
    usual = list if list in before.values() else str
    for i, cell in enumerate(data.get("cells", [])):
        source = cell.get("source")
        if isinstance(source, str) and before.get(cell.get("id", i), usual) is list:
            cell["source"] = source.splitlines(keepends=True)


@dataclass(frozen=True)
class FixResult:
    text: str  # the fixed text (the original when nothing changed)
    fixed: int  # how many fixes were applied
    outcome: Outcome  # the lint of the fixed text: what remains
    errors: tuple[str, ...] = ()  # fixes that crashed or broke the notebook
    note: str | None = None  # why the fixes were not applied (not an error)


def fix_notebook(
    nb: Notebook,
    path: str,
    codes: Iterable[str],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> FixResult:
    """Apply every available fix to ``nb`` (nothing is written here)."""
    from nbprod.notebook import LoadError, loads_notebook

    codes = frozenset(codes)
    outcome = lint_notebook(nb, path, codes, settings)
    if not any(f.fix for f in outcome.findings):
        return FixResult(nb.text, 0, outcome)
    style = detect_style(nb.text)
    if nb.nbformat != 4:
        note = "nbformat 3 (upgrade it first: jupyter nbconvert --to notebook --inplace)"
        return FixResult(nb.text, 0, outcome, note=f"{path}: not fixed: {note}")
    if style.dumps(nb.data) != nb.text:
        note = "its JSON layout is not one nbprod can write back unchanged"
        return FixResult(nb.text, 0, outcome, note=f"{path}: not fixed: {note}")
    errors: list[str] = []
    current, fixed = nb, 0
    for _ in range(MAX_PASSES):
        fixable = [f for f in outcome.findings if f.fix is not None]
        if not fixable:
            break
        data = copy.deepcopy(current.data)
        before = _source_keys(data)
        touched: set[int | None] = set()
        applied = 0
        for finding in fixable:
            if None in touched or finding.cell in touched or (finding.cell is None and touched):
                continue  # one fix per cell per pass: the next pass sees the new text
            try:
                finding.fix.apply(data)
            except Exception as exc:  # a broken fix must not stop the others
                errors.append(f"{path}: internal error in the fix of {finding.code}: {exc}")
                continue
            touched.add(finding.cell)
            applied += 1
        _keep_source_form(data, before)
        text = style.dumps(data)
        if not applied or text == current.text:
            break
        try:
            current = loads_notebook(text, path)
        except LoadError as exc:
            errors.append(f"{path}: not fixed: the fixes made an invalid notebook ({exc.reason})")
            return FixResult(nb.text, 0, lint_notebook(nb, path, codes, settings), tuple(errors))
        fixed += applied
        outcome = lint_notebook(current, path, codes, settings)
    return FixResult(current.text, fixed, outcome, tuple(errors))


def write_atomic(path: str, text: str) -> None:
    """Replace the file at ``path`` (following symlinks) by ``text``, atomically."""
    target = os.path.realpath(path)
    mode = os.stat(target).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".nbprod-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def unified_diff(path: str, old: str, new: str) -> str:
    """A unified diff of a notebook's JSON text (``a/PATH`` -> ``b/PATH``)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
