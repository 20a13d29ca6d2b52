"""The ``[tool.nbprod]`` table of a project's ``pyproject.toml``: found once, read once, shared.

Discovery follows ruff: walking up from a path, the nearest ``pyproject.toml`` that holds a
``[tool.nbprod]`` table is the project's configuration, and its directory the project root. Each
command reads its own part of the table: ``nbprod lint`` the top-level keys and
``[tool.nbprod.rules.*]``, other commands their own sub-table (``[tool.nbprod.extract]``, ...) via
:meth:`ProjectConfig.section`. A file that is not valid TOML is one :class:`ConfigError` line.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """A configuration mistake; ``str()`` is the one-line message (``PATH: reason``)."""


@dataclass(frozen=True)
class ProjectConfig:
    """``table`` is the whole ``[tool.nbprod]`` table (empty when ``path`` is None: no config)."""

    root: Path
    path: Path | None = None
    table: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """The ``[tool.nbprod.NAME]`` sub-table of one command (empty when absent)."""
        value = self.table.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{display(self.path)}: [tool.nbprod] '{name}' must be a table")
        return value


def display(path: Path | str | None) -> str:
    """A path as messages show it: relative to the working directory when under it."""
    if path is None:
        return "<defaults>"
    text = os.fspath(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return text if rel.startswith("..") else rel


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file, or a one-line ConfigError naming it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{display(path)}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display(path)}: invalid TOML: {exc}") from None


def _nbprod_table(data: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    tool = data.get("tool", {})
    table = tool.get("nbprod") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{display(path)}: [tool.nbprod] must be a table")
    return table


def read_config(path: Path | str) -> ProjectConfig:
    """The configuration in an explicit file (``--config``): a ``pyproject.toml``-shaped file
    whose ``[tool.nbprod]`` table is used (it must have one)."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        path = path / PYPROJECT
    table = _nbprod_table(read_toml(path), path)
    if table is None:
        raise ConfigError(f"{display(path)}: no [tool.nbprod] table")
    return ProjectConfig(root=path.parent, path=path, table=table)


class ConfigFinder:
    """Finds the configuration of any directory, reading each ``pyproject.toml`` at most once.

    ``fallback_root`` is the project root when no configuration is found: the nearest directory
    holding a ``pyproject.toml`` (without ``[tool.nbprod]``), else the working directory."""

    def __init__(self) -> None:
        self._by_dir: dict[Path, ProjectConfig | None] = {}
        self._plain: dict[Path, Path | None] = {}  # dir -> nearest dir with any pyproject.toml

    def for_path(self, path: Path | str) -> ProjectConfig:
        """The configuration governing a file or directory."""
        path = Path(os.path.abspath(path))
        directory = path if path.is_dir() else path.parent
        found = self._lookup(directory)
        if found is not None:
            return found
        return ProjectConfig(root=self._nearest_project(directory) or Path.cwd())

    def _lookup(self, directory: Path) -> ProjectConfig | None:
        chain = []
        current: Path | None = directory
        found: ProjectConfig | None = None
        while current is not None and current not in self._by_dir:
            chain.append(current)
            candidate = current / PYPROJECT
            if candidate.is_file():
                table = _nbprod_table(read_toml(candidate), candidate)
                if table is not None:
                    found = ProjectConfig(root=current, path=candidate, table=table)
                    break
            current = current.parent if current.parent != current else None
        else:
            found = self._by_dir.get(current) if current is not None else None
        for d in chain:
            self._by_dir[d] = found
        return found

    def _nearest_project(self, directory: Path) -> Path | None:
        if directory not in self._plain:
            if (directory / PYPROJECT).is_file():
                self._plain[directory] = directory
            elif directory.parent == directory:
                self._plain[directory] = None
            else:
                self._plain[directory] = self._nearest_project(directory.parent)
        return self._plain[directory]
