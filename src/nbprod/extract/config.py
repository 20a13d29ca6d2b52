"""``[tool.nbprod.extract]``: which notebook is extracted to which project (read by ``--check``).

Two spellings, paths relative to the ``pyproject.toml`` that holds them::

    [tool.nbprod.extract]
    packages = { "notebooks/train.ipynb" = "pipelines/train" }

    [[tool.nbprod.extract.packages]]
    notebook = "notebooks/churn.ipynb"
    output = "pipelines/churn"      # the project directory extract writes
    name = "churn_model"            # optional: the package name (default: from the notebook)
    allow-partial = false           # optional
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbprod.config import ConfigError, read_toml

__all__ = ["ConfigError", "Entry", "extracted_table", "find_pyproject", "load_entries"]


@dataclass(frozen=True)
class Entry:
    notebook: Path
    output: Path
    name: str | None = None
    allow_partial: bool = False


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or its parents."""
    for directory in [start.resolve(), *start.resolve().parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_entries(pyproject: Path) -> list[Entry]:
    """The notebook -> project entries of ``[tool.nbprod.extract]`` (empty when absent)."""
    table = read_toml(pyproject).get("tool", {}).get("nbprod", {}).get("extract", {})
    packages = table.get("packages", {}) if isinstance(table, dict) else None
    base = pyproject.parent
    where = f"{pyproject}: [tool.nbprod.extract] packages"
    if isinstance(packages, dict):
        packages = [
            {"notebook": nb, **(spec if isinstance(spec, dict) else {"output": spec})}
            for nb, spec in packages.items()
        ]
    if not isinstance(packages, list):
        raise ConfigError(f"{where}: expected a table or a list of tables")
    entries = []
    for item in packages:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("notebook"), str)
            or not isinstance(item.get("output"), str)
        ):
            raise ConfigError(
                f"{where}: each entry needs a `notebook` and an `output` path (strings)"
            )
        unknown = set(item) - {"notebook", "output", "name", "allow-partial"}
        if unknown:
            raise ConfigError(f"{where}: unknown key `{min(unknown)}` for {item['notebook']}")
        name = item.get("name")
        if name is not None and (not isinstance(name, str) or not name.isidentifier()):
            raise ConfigError(f"{where}: `name` of {item['notebook']} must be a Python identifier")
        entries.append(
            Entry(
                base / item["notebook"],
                base / item["output"],
                name,
                bool(item.get("allow-partial", False)),
            )
        )
    return entries


def extracted_table(project: Path) -> dict[str, Any]:
    """``[tool.nbprod.extracted]`` of an extracted project (empty when there is none)."""
    path = project / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = read_toml(path)
    except ConfigError:
        return {}
    table = data.get("tool", {}).get("nbprod", {}).get("extracted", {})
    if not isinstance(table, dict):
        return {}
    table = dict(table)
    table["dependencies"] = data.get("project", {}).get("dependencies", [])
    table["test-dependencies"] = (
        data.get("project", {}).get("optional-dependencies", {}).get("test", [])
    )
    return table
