"""``nbprod lint``: the command line around the engine (I/O and exit codes live here only).

Order of work: resolve each file's settings (``[tool.nbprod]`` or ``--config``) -> find the files ->
read their bytes -> take hits from the cache -> lint the misses (in a process pool when there are
many) -> fix when asked -> print one report in the chosen format, and each file that could not be
checked as one line on stderr. Exit 0: clean; 1: problems found (or ``--diff`` would change a
file); 2: a file could not be read or checked, or the command line or configuration is wrong.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

import click

from nbprod.report import FORMATS, PHYSICAL, STATISTICS, Diagnostic, Report, RuleInfo

if TYPE_CHECKING:
    from nbprod.lint.config import LintSettings
    from nbprod.lint.discover import Target
    from nbprod.lint.registry import Rule

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def _codes(values: Iterable[str]) -> tuple[str, ...]:
    """``--select NB1,NB203 --select NB4`` -> ("NB1", "NB203", "NB4")."""
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())


def _example(notebook: Mapping, language: str = "python") -> str:
    blocks = []
    for cell in notebook.get("cells", ()):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        fence = language if cell.get("cell_type", "code") == "code" else "markdown"
        blocks.append(f"```{fence}\n{source.strip()}\n```")
    return "\n\n".join(blocks)


def rule_info(rule: Rule) -> RuleInfo:
    """What the report formats say about a catalogue rule (SARIF help: why + examples)."""
    why = " ".join(rule.why.split())
    parts = [rule.summary, why]
    if rule.bad:
        parts.append(f"Triggers {rule.code}:\n\n{_example(rule.bad)}")
    if rule.good:
        parts.append(f"Does not:\n\n{_example(rule.good)}")
    return RuleInfo(
        code=rule.code,
        name=rule.name,
        summary=rule.summary,
        severity=rule.severity,
        limitation=rule.limitation,
        why=why,
        fixable=rule.fixable,
        help_markdown="\n\n".join(p for p in parts if p),
    )


class LazyMapping(Mapping):
    """A mapping whose keys are known up front and whose values are built on first access: the
    rule catalogue is parsed only when a rule's details are needed (options, SARIF, statistics),
    not on a cached run."""

    def __init__(self, keys: Iterable[str], build: Callable[[str], Any]):
        self._keys = list(keys)
        self._known = set(self._keys)
        self._build = build
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._known:
            raise KeyError(key)
        if key not in self._values:
            self._values[key] = self._build(key)
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._known

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


@dataclass
class Run:
    """What one invocation collects before it prints."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0
    fixed: int = 0
    diffs: list[str] = field(default_factory=list)


def _settings_resolver(config_path: str | None, catalogue: Mapping, selection):
    """A function giving the LintSettings of any path (one per project, computed once)."""
    from nbprod.config import ConfigFinder, read_config
    from nbprod.lint.config import lint_settings

    if config_path is not None:
        fixed = lint_settings(read_config(config_path), catalogue, selection)
        return lambda path: fixed
    finder = ConfigFinder()
    by_project: dict[tuple, LintSettings] = {}

    def settings_for(path: str) -> LintSettings:
        project = finder.for_path(path)
        key = (project.root, project.path)
        if key not in by_project:
            by_project[key] = lint_settings(project, catalogue, selection)
        return by_project[key]

    return settings_for


def _lint(targets: list[Target], run: Run, use_cache: bool, physical: bool) -> None:
    """Lint every target into ``run``: cache hits first, then the misses in one batch.

    ``physical``: the report shows positions in the ``.ipynb`` text (a cache entry is made with
    them or without them, and only serves a run that asks the same)."""
    from nbprod.lint.cache import LintCache, entry_key
    from nbprod.lint.engine import read_file

    caches: dict = {}
    misses = []  # (target, raw, codes, key, cache)
    for target in targets:
        raw = read_file(target.path)
        if isinstance(raw, str):
            run.errors.append(raw)
            continue
        settings = target.settings
        codes = settings.codes_for(target.path)
        key, cache = None, None
        if use_cache:
            cache = caches.setdefault(settings.root, LintCache(settings.root))
            key = entry_key(raw, settings.fingerprint(codes) + ("+physical" if physical else ""))
            hit = cache.get(key, target.path)
            if hit is not None:
                run.files += 1
                run.diagnostics.extend(hit)
                continue
        misses.append((target, raw, codes, key, cache))
    if not misses:
        return
    from nbprod.lint.engine import Job, lint_files

    jobs = [
        Job(t.path, raw, codes, t.settings.rule_settings, physical)
        for t, raw, codes, _, _ in misses
    ]
    for (_, _, _, key, cache), outcome in zip(misses, lint_files(jobs), strict=True):
        run.errors.extend(outcome.errors)
        if not outcome.loaded:
            continue
        run.files += 1
        run.diagnostics.extend(outcome.diagnostics)
        if cache is not None and not outcome.errors:
            cache.put(key, outcome.diagnostics)


def _fix(targets: list[Target], run: Run, write: bool) -> None:
    """Fix every target in this process; write the changed ones (``write``) or diff them."""
    from nbprod.lint.engine import read_file
    from nbprod.lint.fix import fix_notebook, unified_diff, write_atomic
    from nbprod.notebook import LoadError, loads_notebook

    for target in targets:
        raw = read_file(target.path)
        if isinstance(raw, str):
            run.errors.append(raw)
            continue
        try:
            nb = loads_notebook(raw, target.path)
        except LoadError as exc:
            run.errors.append(str(exc))
            continue
        settings = target.settings
        result = fix_notebook(
            nb, target.path, settings.codes_for(target.path), settings.rule_settings
        )
        run.files += 1
        run.errors.extend(result.errors)
        if result.note:
            click.echo(result.note, err=True)
        run.diagnostics.extend(result.outcome.diagnostics)
        if result.text == nb.text:
            continue
        run.fixed += result.fixed
        if write:
            try:
                write_atomic(target.path, result.text)
            except OSError as exc:
                run.errors.append(f"{target.path}: cannot write: {exc.strerror or exc}")
        else:
            run.diffs.append(unified_diff(target.path, nb.text, result.text))


def _emit(text: str, output_file: str | None) -> None:
    if output_file is None:
        try:
            click.echo(text, nl=False)
            sys.stdout.flush()
        except BrokenPipeError:  # `nbprod lint | head`: the reader has gone, nothing to tell
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    try:
        with open(output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        click.echo(f"{output_file}: cannot write: {exc.strerror or exc}", err=True)
        raise SystemExit(EXIT_ERROR) from None


HELP = """Check notebooks for what keeps them from production (static: no cell is run).

PATHS are notebooks or directories (default: the current directory). Directories are searched for
*.ipynb files, skipping .ipynb_checkpoints, .git, virtualenvs, node_modules, __pycache__ and the
project's `exclude` globs. `nbprod rule NB123` explains a rule.

\b
Each problem is printed as
  PATH:cell N:LINE:COL: NB123 message
N counts every cell from 1 (markdown and raw cells too, as
Jupyter shows them); LINE:COL is the position inside the cell.
A problem about the whole notebook is PATH:LINE:COL: NB123,
with the line and column in the .ipynb file.

\b
Configuration: [tool.nbprod] in the nearest pyproject.toml above
each file: select, extend-select, ignore, exclude,
per-file-ignores, and [tool.nbprod.rules.NB123] options.

\b
Silence a finding with
  # noqa: NB123                  at the end of its line in the cell
  nbprod-ignore-NB123            as a cell tag (nbprod-ignore: all)
  # nbprod: ignore NB123         in the notebook's first code cell
  {"nbprod": {"ignore": [...]}}  in the notebook's metadata

\b
Exit status: 0 no problems; 1 problems found; 2 a file could not
be read or checked, or a usage or configuration error.
"""


@click.command("lint", help=HELP, short_help="Check notebooks for production problems (static).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="text for people, json for scripts, sarif for GitHub code scanning, github for Actions "
    "annotations.",
)
@click.option("-o", "--output-file", metavar="FILE", help="Write the report to FILE, not stdout.")
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Rules to run instead of the "
    "configured ones: codes or prefixes, comma-separated (NB1 = NB1xx; ALL).",
)
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to run in addition.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules not to run.")
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Use the [tool.nbprod] table of FILE instead of looking for pyproject.toml.",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply the available fixes to the files, then report what remains. Exits 1 when a "
    "file changed (pre-commit's contract for fixers), even if nothing remains.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff of the .ipynb text "
    "and write nothing (exit 1 if a file would change).",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Print the number of problems per rule instead of each problem.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the cache in .nbprod/cache/."
)
def lint(
    paths: tuple[str, ...],
    output_format: str,
    output_file: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: str | None,
    fix: bool,
    diff: bool,
    statistics: bool,
    exit_zero: bool,
    no_cache: bool,
) -> None:
    if statistics and output_format not in STATISTICS:
        raise click.UsageError(
            f"--statistics prints as {' or '.join(sorted(STATISTICS))}, not {output_format}"
        )
    raise SystemExit(
        run_lint(
            paths or (".",),
            output_format=output_format,
            output_file=output_file,
            select=_codes(select) or None,
            extend_select=_codes(extend_select),
            ignore=_codes(ignore),
            config_path=config_path,
            fix=fix,
            diff=diff,
            statistics=statistics,
            exit_zero=exit_zero,
            use_cache=not no_cache,
        )
    )


def run_lint(
    paths: Iterable[str],
    *,
    output_format: str = "text",
    output_file: str | None = None,
    select: tuple[str, ...] | None = None,
    extend_select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    config_path: str | None = None,
    fix: bool = False,
    diff: bool = False,
    statistics: bool = False,
    exit_zero: bool = False,
    use_cache: bool = True,
) -> int:
    """Lint ``paths``, print the report, and return the exit status."""
    from nbprod import __version__
    from nbprod.config import ConfigError
    from nbprod.lint.config import Selection
    from nbprod.lint.discover import discover
    from nbprod.lint.registry import catalogue_codes, load_catalogue

    codes = catalogue_codes()
    catalogue = LazyMapping(codes, lambda code: load_catalogue()[code])
    try:
        selection = Selection(select, extend_select, ignore)
        settings_for = _settings_resolver(config_path, catalogue, selection)
        targets, missing = discover(paths, settings_for)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        return EXIT_ERROR
    run = Run(errors=list(missing))
    if fix or diff:
        _fix(targets, run, write=not diff)
    else:
        _lint(targets, run, use_cache, physical=output_format in PHYSICAL and not statistics)
    run.errors.sort()  # each starts with its path
    for error in run.errors:
        click.echo(error, err=True)
    report = Report(
        diagnostics=tuple(sorted(run.diagnostics, key=lambda d: d.sort_key)),
        errors=tuple(run.errors),
        rules=LazyMapping(codes, lambda code: rule_info(catalogue[code])),
        version=__version__,
        files=run.files,
        fixed=run.fixed,
    )
    if diff:
        _emit("".join(run.diffs), output_file)
        fixable = f"Would fix {run.fixed} problem{'' if run.fixed == 1 else 's'}."
        click.echo(fixable if run.diffs else "No fixes available.", err=True)
        status = EXIT_PROBLEMS if run.diffs else EXIT_CLEAN
    else:
        from nbprod.report import render, render_statistics

        text = (
            render_statistics(report, output_format)
            if statistics
            else render(report, output_format)
        )
        _emit(text, output_file)
        if fix and output_format != "text":
            click.echo(f"{run.fixed} fixed.", err=True)
        changed = fix and run.fixed  # a fixer that modified a file must fail (pre-commit)
        status = EXIT_PROBLEMS if (report.diagnostics or changed) and not exit_zero else EXIT_CLEAN
    return EXIT_ERROR if run.errors else status


__all__ = ["lint", "run_lint", "rule_info"]
