"""Lint notebooks: run the selected checks, drop what is silenced, place what remains.

``lint_notebook`` is pure: from a :class:`~nbprod.notebook.Notebook` and the codes to run it
returns an :class:`Outcome` holding :class:`~nbprod.report.Diagnostic` values (cell and physical
positions, rule name and severity from the catalogue), the findings themselves (their ``Fix`` is
what ``--fix`` applies), and one error line per check that crashed: a crashing check never stops
the others. ``lint_file`` adds reading and loading; ``lint_files`` runs many files, in a process
pool when there are enough of them to pay for starting it.

Checks run on every notebook, whatever its language: a check that needs Python returns nothing
when ``nb.view(cell)`` is None (the agreement with the rule catalogue).
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from nbprod.report import CellPosition, Diagnostic

if TYPE_CHECKING:
    from nbprod.lint.registry import CheckFn, Finding, Rule
    from nbprod.notebook import Notebook

#: files per worker below which a process pool costs more than it saves (see bench/lint.py)
MIN_FILES_PER_WORKER = 6


@dataclass(frozen=True)
class Outcome:
    """What linting one file gave. ``findings`` pairs with ``diagnostics`` (same order); it is
    empty when the outcome crossed a process boundary (fixes are not picklable)."""

    diagnostics: tuple[Diagnostic, ...] = ()
    errors: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    loaded: bool = True  # False: the file could not be read as a notebook


def read_file(path: str) -> bytes | str:
    """The bytes of a regular file, or the one-line ``PATH: cannot read: REASON`` (never blocks
    on a FIFO or device)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return f"{path}: cannot read: is a directory"
        if not stat.S_ISREG(info.st_mode):
            return f"{path}: cannot read: not a regular file"
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror or exc}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _place(nb: Notebook, path: str, finding: Finding, rule: Rule, physical: bool) -> Diagnostic:
    from nbprod.notebook import Location

    cell = None
    line, column = finding.line, finding.column
    if finding.cell is not None:
        c = nb.cells[finding.cell - 1]
        cell_id = c.id if c.has_id else None
        cell = CellPosition(finding.cell, finding.line, finding.column, cell_id)
        where = Location(finding.cell, finding.line, finding.column)
        line, column = nb.physical(where) if physical else (None, None)
    return Diagnostic(
        path=path,
        code=finding.code,
        message=finding.message,
        line=line,
        column=column,
        cell=cell,
        severity=rule.severity,
        name=rule.name,
        limitation=rule.limitation,
        fixable=finding.fix is not None,
    )


def lint_notebook(
    nb: Notebook,
    path: str,
    codes: Iterable[str],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    rules: Mapping[str, Rule] | None = None,
    checks: Mapping[str, CheckFn] | None = None,
    physical: bool = True,
) -> Outcome:
    """Run the checks of ``codes`` on ``nb``; ``settings`` are the rules' configured options.

    ``rules`` and ``checks`` default to the catalogue and the registered checks. Without
    ``physical``, findings in cells are not mapped to the ``.ipynb`` text (the source map is the
    costliest part of placing them, and the text report does not show it)."""
    from nbprod.lint.noqa import suppressions
    from nbprod.lint.registry import CHECKS, Context, load_rules

    rules = load_rules() if rules is None else rules
    checks = CHECKS if checks is None else checks
    ctx = Context(settings or {})
    silenced = suppressions(nb)
    codes = frozenset(codes)
    kept: list[tuple[Diagnostic, Finding]] = []
    errors: list[str] = []
    for code in sorted(codes):
        check = checks.get(code)
        if check is None:
            continue
        try:
            findings = list(check(nb, ctx))
            placed = []
            for f in findings:
                if f.code not in codes or silenced.silences(f):
                    continue
                if f.code not in rules:
                    raise ValueError(f"finding with unknown code {f.code!r}")
                if f.cell is not None and not 0 < f.cell <= len(nb.cells):
                    raise ValueError(f"finding in cell {f.cell} of a {len(nb.cells)}-cell notebook")
                placed.append((_place(nb, path, f, rules[f.code], physical), f))
        except Exception as exc:  # a broken check must not stop the run: report it, go on
            errors.append(f"{path}: internal error in {code}: {_first_line(exc)}")
            continue
        kept.extend(placed)
    kept.sort(key=lambda pair: pair[0].sort_key)
    return Outcome(
        diagnostics=tuple(d for d, _ in kept),
        errors=tuple(errors),
        findings=tuple(f for _, f in kept),
    )


def lint_file(
    path: str,
    raw: bytes,
    codes: Iterable[str],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    physical: bool = True,
) -> Outcome:
    """Load the notebook ``raw`` (the bytes of ``path``) and lint it; a file that is not a valid
    notebook gives its one-line ``LoadError`` message."""
    from nbprod.notebook import LoadError, loads_notebook

    try:
        nb = loads_notebook(raw, path)
    except LoadError as exc:
        return Outcome(errors=(str(exc),), loaded=False)
    return lint_notebook(nb, path, codes, settings, physical=physical)


@dataclass(frozen=True)
class Job:
    path: str
    raw: bytes
    codes: frozenset[str]
    settings: Mapping[str, Mapping[str, Any]]
    physical: bool = True


def _run(job: Job) -> Outcome:
    outcome = lint_file(job.path, job.raw, job.codes, job.settings, job.physical)
    return Outcome(outcome.diagnostics, outcome.errors, (), outcome.loaded)


#: a worker process's jobs, given once when it starts (inherited, not pickled, when forked)
_worker_jobs: Sequence[Job] = ()


def _take_jobs(jobs: Sequence[Job]) -> None:
    global _worker_jobs
    _worker_jobs = jobs


def _run_nth(index: int) -> Outcome:
    return _run(_worker_jobs[index])


def pool_size(jobs: int, cpus: int) -> int:
    """How many worker processes pay for themselves on ``jobs`` files (1: lint in this process).

    One per core this process may use. The load average is not consulted: it lags by a minute,
    so a lint right after other work (another hook, a CI step, the previous lint) saw its own
    past and fell back to one process, taking 1.6-1.9x as long."""
    return max(1, min(cpus, jobs // MIN_FILES_PER_WORKER))


def _cpus() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpus or 1


def lint_files(jobs: Sequence[Job], workers: int | None = None) -> list[Outcome]:
    """Lint every job, in order; in ``workers`` processes (default: :func:`pool_size` of this
    machine)."""
    from nbprod.lint.registry import load_rules

    load_rules()  # import every check before forking, so workers inherit them
    workers = pool_size(len(jobs), _cpus()) if workers is None else workers
    if workers <= 1:
        return [_run(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    # biggest files first so that no worker is left with a large one at the end
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].raw))
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_take_jobs, initargs=(jobs,)
    ) as pool:
        done = dict(zip(order, pool.map(_run_nth, order), strict=True))
    return [done[i] for i in range(len(jobs))]
