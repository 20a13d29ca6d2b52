"""``nbprod smoke``: run notebooks once with their smoke parameters (the nbprod-run-smoke hook).

pre-commit passes the notebooks a push changes. Each one is run by
:func:`nbprod.run.run_notebook` (recorded in the run store like any ``nbprod run``), one after the
other, with a deadline, and with the parameters of the project's ``[tool.nbprod.smoke]`` table, or
its own defaults when the table names none::

    [tool.nbprod.smoke]
    timeout = 300                          # seconds per notebook (default 600)

    [tool.nbprod.smoke.parameters]         # glob, relative to the project root -> values
    "notebooks/train.ipynb" = { n_estimators = 5, n_rows = 500 }
    "reports/*.ipynb" = { quick = true }

Every pattern that matches a notebook contributes its values, later ones winning. One line per
notebook: ``PATH: ok in 2.1 s``, or ``PATH:cell N:LINE:1: failed: ValueError: ...`` followed by
where the executed notebook (with its traceback) was kept. Notebooks are never written to.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import click

from nbprod.config import ConfigError

DEFAULT_TIMEOUT = 600.0
EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
_ERROR_LINE = re.compile(
    r"line (\d+): (.*)", re.DOTALL
)  # the run module's "line L: Error: message"


def smoke_parameters(section: Mapping[str, Any], relative: str, where: str) -> dict[str, Any]:
    """The smoke values of the notebook at ``relative`` (posix path from the project root).

    ``where`` names the configuration file in messages of the :class:`ConfigError` a malformed
    table raises."""
    table = section.get("parameters", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.nbprod.smoke] 'parameters' must be a table")
    values: dict[str, Any] = {}
    for pattern, entry in table.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: [tool.nbprod.smoke.parameters] {pattern!r}: not a table")
        if fnmatchcase(relative, pattern):
            values.update(entry)
    return values


def smoke_timeout(section: Mapping[str, Any], where: str) -> float:
    """The deadline of each smoke run in seconds: the table's ``timeout``, else the default."""
    value = section.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: [tool.nbprod.smoke] 'timeout' must be a positive number")
    return float(value)


def outcome_line(record: Any, store_root: Path) -> str:
    """``PATH: ok in 2.1 s`` or ``PATH:cell N:LINE:1: STATUS: ERROR · output OUTPUT``."""
    if record.succeeded:
        return f"{record.notebook}: ok in {record.duration or 0:.1f} s"
    where, error = record.notebook, record.error
    if record.cell:
        match = _ERROR_LINE.fullmatch(error)
        line, error = (match[1], match[2]) if match else ("1", error)
        where = f"{where}:cell {record.cell}:{line}:1"
    return f"{where}: {record.status}: {error} · output {store_root / record.output}"


def _smoke_one(path: str, finder: Any, timeout: float | None, store: str) -> tuple[int, str]:
    """Run one notebook; (exit status, the line to print)."""
    from nbprod.config import display
    from nbprod.notebook import LoadError
    from nbprod.run import run_notebook
    from nbprod.run.kernels import KernelError
    from nbprod.run.params import ParamError
    from nbprod.run.store import StoreError

    try:
        project = finder.for_path(path)
        section = project.section("smoke")
        where = display(project.path)
        relative = Path(os.path.relpath(Path(path).resolve(), project.root.resolve())).as_posix()
        parameters = smoke_parameters(section, relative, where)
        limit = timeout if timeout is not None else smoke_timeout(section, where)
        record = run_notebook(path, parameters, store=store, timeout=limit)
    except (LoadError, KernelError, StoreError, ConfigError) as exc:
        return EXIT_ERROR, str(exc)
    except ParamError as exc:
        return EXIT_ERROR, f"{path}: {exc}"
    return (EXIT_OK if record.succeeded else EXIT_FAILED), outcome_line(record, Path(store))


@click.command(
    "smoke", short_help="Run notebooks once with their smoke parameters (pre-push hook)."
)
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    help=f"Deadline per notebook in seconds [default: [tool.nbprod.smoke] timeout, else "
    f"{DEFAULT_TIMEOUT:g}].",
)
@click.option(
    "--store",
    type=click.Path(file_okay=False),
    default=".nbprod",
    show_default=True,
    help="Run store directory (the runs are recorded like `nbprod run`'s).",
)
def smoke(notebooks: tuple[str, ...], timeout: float | None, store: str) -> None:
    """Run each of NOTEBOOKS once, one after the other, and fail if one fails.

    Each notebook runs with the values its entry in [tool.nbprod.smoke.parameters] gives (glob
    patterns relative to the project root, later ones winning), or with its own defaults, so a
    push proves it still runs from top to bottom. Configure it in pyproject.toml:

    \b
      [tool.nbprod.smoke]
      timeout = 300
      [tool.nbprod.smoke.parameters]
      "notebooks/train.ipynb" = { n_estimators = 5 }

    \b
    One line per notebook:
      PATH: ok in 2.1 s
      PATH:cell N:LINE:1: failed: ValueError: ... · output .nbprod/runs/ID/NAME.ipynb

    Exit status: 0 every notebook ran; 1 one failed; 2 one could not be run (unreadable, bad
    parameters or configuration, kernel not installed).
    """
    from nbprod.config import ConfigFinder

    finder = ConfigFinder()
    status = EXIT_OK
    for path in notebooks:
        code, line = _smoke_one(path, finder, timeout, store)
        click.echo(line, err=code == EXIT_ERROR)
        status = max(status, code)
    sys.exit(status)
