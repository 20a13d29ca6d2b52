"""The only writer: puts a rendered project on disk, never touching what it did not generate.

Into an empty or missing directory, everything is written. Into a non-empty one, only with
``force``, and then only the files the previous extraction listed in its ``pyproject.toml``
(``[tool.nbprod.extracted] files``) are replaced or removed; a file in the way that nbprod did
not write stops the extraction before anything is written. Each file is written to a temporary
name and renamed, so an interrupted run leaves whole files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from nbprod.extract.config import extracted_table


class EmitError(Exception):
    """Why the project could not be written; ``str()`` is the one-line message."""


def check_writable(out: Path, files: Mapping[str, str], force: bool = False) -> set[str]:
    """Raise :class:`EmitError` unless ``files`` may be written under ``out``; return the files
    the previous extraction wrote there."""
    previous = set(extracted_table(out).get("files", [])) if out.is_dir() else set()
    if out.exists() and not out.is_dir():
        raise EmitError(f"{out}: exists and is not a directory")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise EmitError(
                f"{out}: directory is not empty; use --force to replace the files nbprod extract"
                " wrote there"
            )
        for rel in files:
            target = out / rel
            if target.exists() and rel not in previous:
                raise EmitError(
                    f"{target}: exists and was not written by nbprod extract; move it away first"
                )
    return previous


def write_project(out: Path, files: Mapping[str, str], force: bool = False) -> list[str]:
    """Write ``files`` (relative path -> text) under ``out``; return the paths written."""
    previous = check_writable(out, files, force)
    for rel in sorted(previous - set(files)):  # generated before, not any more
        stale = out / rel
        if stale.is_file():
            stale.unlink()
    written = []
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.nbprod-tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        written.append(rel)
    return written
