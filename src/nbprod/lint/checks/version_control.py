"""NB2xx version control: what makes a notebook's diffs unreadable, bloated or misleading."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from nbprod.lint.checks.common import option
from nbprod.lint.registry import Context, Finding, Fix, check

if TYPE_CHECKING:
    from nbprod.notebook import Cell, Notebook

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "application/pdf")


def _text(value: Any) -> str:
    """nbformat multiline strings are a string or a list of strings."""
    return "".join(value) if isinstance(value, list) else str(value)


def _drop_outputs(cell: Cell, keep: Callable[[Mapping[str, Any]], bool]) -> Callable[[dict], None]:
    """A fix that removes from one cell (found by index) the outputs ``keep`` rejects."""
    index = cell.index

    def apply(data: dict) -> None:
        target = data["cells"][index]
        target["outputs"] = [o for o in target.get("outputs", []) if keep(o)]

    return apply


def _image_kb(output: Mapping[str, Any]) -> float:
    data = output.get("data") or {}
    return sum(len(_text(data[t])) for t in _IMAGE_TYPES if t in data) / 1024


def _stream_lines(output: Mapping[str, Any]) -> int:
    if output.get("output_type") == "stream":
        return _text(output.get("text", "")).count("\n")
    text = (output.get("data") or {}).get("text/plain")
    return _text(text).count("\n") if text is not None else 0


@check("NB201")
def large_output(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    max_kb = option(ctx, "NB201", "max_image_kb")
    max_lines = option(ctx, "NB201", "max_text_lines")

    def small(output: Mapping[str, Any]) -> bool:
        return _image_kb(output) <= max_kb and _stream_lines(output) <= max_lines

    for cell in nb.code_cells:
        big = [o for o in cell.outputs if not small(o)]
        if not big:
            continue
        kb = sum(_image_kb(o) for o in big)
        lines = sum(_stream_lines(o) for o in big)
        what = []
        if kb > max_kb:
            what.append(f"{kb:.0f} KB of images (max {max_kb})")
        if lines > max_lines:
            what.append(f"{lines} lines of text (max {max_lines})")
        fix = Fix(
            f"remove {len(big)} large output(s) of cell {cell.number}", _drop_outputs(cell, small)
        )
        yield Finding(
            "NB201",
            f"outputs hold {' and '.join(what)}: every commit stores them again; save large "
            "results to files and clear these outputs",
            cell.number,
            fix=fix,
        )


_TRACEBACK = "Traceback (most recent call last)"


def _is_error(output: Mapping[str, Any]) -> bool:
    return output.get("output_type") == "error"


@check("NB202")
def error_output(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell in nb.code_cells:
        for output in cell.outputs:
            if _is_error(output):
                error = output.get("ename") or "error"
                fix = Fix(
                    f"remove the error output of cell {cell.number}",
                    _drop_outputs(cell, lambda o: not _is_error(o)),
                )
                yield Finding(
                    "NB202",
                    f"output holds a traceback ({error}): fix the cell or clear its output "
                    "before committing",
                    cell.number,
                    fix=fix,
                )
                break
            if output.get("name") == "stderr" and _TRACEBACK in _text(output.get("text", "")):
                yield Finding(
                    "NB202",
                    "stderr output holds a traceback: fix the cell or clear its output before "
                    "committing",
                    cell.number,
                )
                break


_SCRATCH_NAME = re.compile(
    r"(?i)^untitled\d*\.ipynb$|-copy\d*\.ipynb$|[ _-]\(?copy\)?\d*\.ipynb$|^copy[ _]of[ _]|"
    r" \(\d+\)\.ipynb$"
)


@check("NB203")
def scratch_name(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    name = nb.path.name
    if _SCRATCH_NAME.search(name):
        yield Finding(
            "NB203",
            f"`{name}` is a default or copy name: name the notebook for what it does, and keep "
            "old versions in git, not in copies",
        )


@check("NB204")
def widget_state(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    if "widgets" in nb.metadata:

        def drop(data: dict) -> None:
            data.get("metadata", {}).pop("widgets", None)

        yield Finding(
            "NB204",
            "notebook metadata holds saved widget state: it changes on every run "
            "and is useless outside the live kernel",
            fix=Fix("remove the saved widget state from the notebook metadata", drop),
        )
