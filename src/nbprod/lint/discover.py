"""Which files ``nbprod lint PATHS`` checks, and under which project's settings.

A directory is walked in name order for ``*.ipynb`` files, skipping :data:`SKIP_DIRS`, every
virtualenv (a directory holding ``pyvenv.cfg``), symlinked directories, and the project's
``exclude`` globs. A file named on the command line is linted whatever its extension, unless it is
excluded (so the pre-commit hook honours ``exclude`` too). A path that does not exist is an error.
Each file is paired with the settings of the nearest ``[tool.nbprod]`` above it (or ``--config``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable

from nbprod.lint.config import LintSettings

SKIP_DIRS = frozenset(
    {
        ".ipynb_checkpoints",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".nbprod",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)


@dataclass(frozen=True)
class Target:
    """A file to lint: ``path`` as messages show it, and the settings that govern it."""

    path: str
    settings: LintSettings


def _skip_dir(entry: os.DirEntry, settings: LintSettings) -> bool:
    if entry.name in SKIP_DIRS or entry.is_symlink():
        return True
    if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
        return True
    return settings.excluded(entry.path)


def _walk(top: str, settings_for: Callable[[str], LintSettings]) -> Iterable[Target]:
    settings = settings_for(top)
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return  # an unreadable sub-directory holds nothing we can lint
    subdirs = []
    for entry in entries:
        if entry.is_dir():  # follows symlinks: a symlink to a directory is skipped below
            if not _skip_dir(entry, settings):
                subdirs.append(entry.path)
        elif entry.name.lower().endswith(".ipynb") and not settings.excluded(entry.path):
            yield Target(os.path.normpath(entry.path), settings)
    for sub in subdirs:
        yield from _walk(sub, settings_for)


def discover(
    paths: Iterable[str], settings_for: Callable[[str], LintSettings]
) -> tuple[list[Target], list[str]]:
    """The files to lint (each once, in order) and one error line per path that does not exist.

    ``settings_for(path)`` gives the settings governing a file or directory."""
    targets: list[Target] = []
    errors: list[str] = []
    seen: set[str] = set()

    def add(target: Target) -> None:
        key = os.path.abspath(target.path)
        if key not in seen:
            seen.add(key)
            targets.append(target)

    for raw in paths:
        path = os.path.normpath(raw)
        if os.path.isdir(path):
            if settings_for(path).excluded(path):
                continue
            for target in _walk(path, settings_for):
                add(target)
        elif os.path.lexists(path):  # a file, FIFO or (dangling) symlink: reading will tell
            settings = settings_for(path)
            if not settings.excluded(path):
                add(Target(path, settings))
        else:
            errors.append(f"{path}: cannot read: No such file or directory")
    return targets, errors
