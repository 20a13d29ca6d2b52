"""On-disk memos of what extraction computes deterministically, so that a pre-commit ``--check``
of an unchanged notebook neither imports libcst nor runs black.

Two memos under ``$XDG_CACHE_HOME/nbprod`` (``~/.cache/nbprod``):

* ``black/``: black's output for a piece of code, keyed by black's identity and the text;
* ``projects/``: a rendered project (files and refusals), keyed by the notebook's sources, the
  render target and the identity of nbprod's own code (its files' sizes and times).

A memo is only ever a faster way to the same bytes: any change of an input changes the key.
Unreadable or unwritable caches only cost time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from nbprod.notebook import Notebook
from nbprod.paths import user_cache_dir


def source_sha256(nb: Notebook) -> str:
    """A digest of what extraction reads: cell types, sources and tags (outputs, execution
    counts and metadata may change without making a package stale)."""
    cells = [[c.cell_type, c.source, sorted(c.tags)] for c in nb.cells]
    text = json.dumps({"language": nb.language, "cells": cells}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def black(text: str, format_text: Callable[[str], str]) -> str:
    """``format_text(text)`` (black), through the memo."""
    key = _digest(_identity(("black",)), text)
    found = _read(key, "black")
    if found is None:
        found = format_text(text)
        _write(key, "black", found)
    return found


def project(
    nb: Notebook, target: dict[str, Any], compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """``compute()`` (plan and render: ``{"files": ..., "problems": ...}``), through the memo."""
    key = _digest(
        _identity(("nbprod", "libcst", "black")),
        source_sha256(nb),
        json.dumps(target, sort_keys=True),
    )
    found = _read(key, "projects")
    if found is not None:
        return json.loads(found)
    value = compute()
    _write(key, "projects", json.dumps(value, sort_keys=True))
    return value


@cache
def _identity(packages: tuple[str, ...]) -> str:
    """Which code produced the output: each package's files, by path, size and time (no import)."""
    import importlib.util

    parts = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        roots = list(spec.submodule_search_locations or []) if spec else []
        for root in roots:
            for path in sorted(Path(root).rglob("*")):
                if path.suffix in (".py", ".so") and "__pycache__" not in path.parts:
                    stat = path.stat()
                    parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _read(key: str, kind: str) -> str | None:
    try:
        return (user_cache_dir(kind) / key[:2] / key).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write(key: str, kind: str, text: str) -> None:
    path = user_cache_dir(kind) / key[:2] / key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{key}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
