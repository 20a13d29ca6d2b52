"""``nbprod extract``: the click command that drives plan, render, goldens, emit and verify.

Only this module prints and chooses exit codes: 0 done, 1 refused / notebook failed / values
differ / package stale, 2 usage error or unreadable notebook.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from nbprod.extract.config import ConfigError, Entry, extracted_table, find_pyproject, load_entries

HELP = """Turn NOTEBOOK into a project with a package, a CLI and tests, without touching NOTEBOOK.

\b
The project (OUTPUT, default ./PKG) holds PKG/ (config.py: the notebook's parameters as a
dataclass; pipeline.py: its code as functions, one step per section, and run(config);
__main__.py: `python -m PKG --help`), tests/test_PKG.py and pyproject.toml. Unless --no-goldens,
the notebook is executed once with papermill and the values it computes become the tests'
golden values.

\b
  nbprod extract train.ipynb -o train-pipeline
  nbprod extract train.ipynb -o train-pipeline --force --verify -p seed 1
  nbprod extract --check            # every package of [tool.nbprod.extract]
"""


@click.command("extract", help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("notebooks", nargs=-1, type=click.Path(path_type=Path), metavar="[NOTEBOOK]...")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    help="Project directory to write (default: ./PKG).",
)
@click.option("--name", help="Package name (default: from the notebook's file name).")
@click.option(
    "--force",
    is_flag=True,
    help="Write into a non-empty OUTPUT, replacing only the files an earlier extraction wrote.",
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Drop what cannot be translated faithfully (each is reported) instead of refusing.",
)
@click.option(
    "--no-goldens",
    is_flag=True,
    help="Do not execute the notebook: fast, but the tests have no golden values.",
)
@click.option(
    "--verify",
    is_flag=True,
    help=(
        "Run the package with plain python and compare its values with the notebook's;"
        " exit 1 on a mismatch."
    ),
)
@click.option(
    "-p",
    "--parameter",
    "parameters",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="With --verify: also run notebook and package with this parameter (repeatable).",
)
@click.option(
    "--check",
    is_flag=True,
    help=(
        "Exit 1 if extracting again would change the generated files (for pre-commit)."
        " Without NOTEBOOK: every package in [tool.nbprod.extract]."
    ),
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=600,
    show_default=True,
    help="Seconds a notebook cell may run.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="List every decision (magics, display, lifted literals, renames).",
)
def extract_command(
    notebooks,
    output,
    name,
    force,
    allow_partial,
    no_goldens,
    verify,
    parameters,
    check,
    timeout,
    verbose,
):
    if name is not None and (not name.isidentifier() or name.startswith("_")):
        _usage(f"--name {name!r} is not a valid package name (a Python identifier)")
    if check:
        sys.exit(_check(notebooks, output, name, allow_partial))
    if len(notebooks) != 1:
        _usage("give one NOTEBOOK to extract (or --check to check the configured packages)")
    if parameters and not verify:
        _usage("-p/--parameter is used with --verify")
    if verify and no_goldens:
        _usage("--verify executes the notebook; it cannot be combined with --no-goldens")
    sys.exit(
        _extract(
            notebooks[0],
            output,
            name,
            force,
            allow_partial,
            not no_goldens,
            verify,
            parameters,
            timeout,
            verbose,
        )
    )


def _usage(message: str) -> None:
    click.echo(f"nbprod extract: error: {message}", err=True)
    sys.exit(2)


# -- extraction ----------------------------------------------------------------------------------


def _extract(
    path, output, name, force, allow_partial, goldens, verify, parameters, timeout, verbose
) -> int:
    from nbprod.extract.emit import EmitError, check_writable, write_project
    from nbprod.extract.plan import plan_notebook
    from nbprod.extract.render import Target, golden_path, render_project
    from nbprod.notebook import LoadError, load_notebook

    timings: dict[str, float] = {}
    start = time.perf_counter()
    try:
        nb = load_notebook(path)
    except LoadError as exc:
        click.echo(str(exc), err=True)
        return 2
    package = name or package_name(path, _imported_modules(nb))
    out = output if output is not None else Path.cwd() / package
    plan = plan_notebook(nb, package)
    timings["plan"] = time.perf_counter() - start
    shown = _shown(path)
    for problem in plan.problems:
        click.echo(problem.format(shown, partial=allow_partial), err=True)
    if plan.problems and not allow_partial:
        click.echo(
            f"{shown}: refused: {_count(len(plan.problems), 'construct')} cannot be translated"
            " faithfully (listed above); nothing written. Use --allow-partial to drop them.",
            err=True,
        )
        return 1
    typed = _typed_parameters(plan, parameters)
    notebook_rel = Path(os.path.relpath(nb.path.resolve(), out.resolve())).as_posix()
    target = Target(notebook_rel, has_goldens=goldens, allow_partial=allow_partial)
    tick = time.perf_counter()
    files = render_project(plan, target)
    timings["render"] = time.perf_counter() - tick
    try:
        check_writable(out, files, force)
    except EmitError as exc:
        click.echo(str(exc), err=True)
        return 1
    status = 0
    execution = None
    if goldens:
        from nbprod.extract.goldens import execute_notebook, goldens_json

        execution = execute_notebook(nb, plan, timeout=timeout)
        timings["goldens"] = execution.seconds
        if execution.error:
            where = f"{shown}:cell {execution.cell}" if execution.cell else shown
            click.echo(
                f"{where}: the notebook failed when executed for golden values: {execution.error}",
                err=True,
            )
            click.echo(
                f"{shown}: written without golden values (use --no-goldens to skip executing it)",
                err=True,
            )
            target = Target(notebook_rel, has_goldens=False, allow_partial=allow_partial)
            files = render_project(plan, target)
            execution, status = None, 1
        else:
            files[golden_path(package)] = goldens_json(plan, execution, notebook_rel)
    try:
        write_project(out, files, force)
    except (EmitError, OSError) as exc:
        click.echo(
            str(exc) if isinstance(exc, EmitError) else f"{out}: cannot write: {exc}", err=True
        )
        return 1
    timings["total"] = time.perf_counter() - start
    click.echo(_report(plan, shown, out, execution, timings, verbose))
    if verify and execution is not None:
        status = max(status, _verify(nb, plan, out, execution, typed, timeout))
    return status


def package_name(path: Path, imported: set[str] = frozenset()) -> str:
    """``notebooks/Customer Churn (v2).ipynb`` -> ``customer_churn_v2``; never the name of a
    module the notebook imports or of the standard library (``pandas.ipynb`` ->
    ``pandas_pipeline``).
    """
    name = re.sub(r"\W+", "_", path.stem.lower()).strip("_") or "notebook"
    if name[0].isdigit():
        name = f"nb_{name}"
    if name in sys.stdlib_module_names or name in imported or name in ("test", "tests"):
        name = f"{name}_pipeline"
    return name


def _imported_modules(nb) -> set[str]:
    return {i.module for c in nb.code_cells if nb.flow(c) for i in nb.flow(c).imports}


def _typed_parameters(plan, given) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs, typed like the notebook's default values."""
    known = {p.name: p.value for p in plan.parameters}
    out: dict[str, Any] = {}
    for name, text in given:
        if name not in known:
            _usage(
                f"-p {name}: not a parameter of this notebook ({', '.join(known) or 'it has none'})"
            )
        default = known[name]
        try:
            if isinstance(default, bool):
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                out[name] = text.lower() in ("true", "1", "yes")
            elif isinstance(default, (int, float)):
                out[name] = type(default)(text)
            elif isinstance(default, str):
                out[name] = text
            else:  # None, lists, dicts: a Python literal, else a string (as the package's CLI)
                out[name] = _literal(text)
        except (ValueError, SyntaxError):
            _usage(f"-p {name} {text}: expected a value like {default!r}")
    return out


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _verify(nb, plan, out: Path, execution, parameters: dict[str, Any], timeout: int) -> int:
    from nbprod.extract.goldens import execute_notebook
    from nbprod.extract.verify import compare_values, run_package, table

    workdir = nb.path.resolve().parent
    runs = [("defaults", execution, {})]
    if parameters:
        shown = " ".join(f"{k}={v!r}" for k, v in parameters.items())
        again = execute_notebook(nb, plan, parameters, timeout=timeout)
        if again.error:
            click.echo(
                f"{_shown(nb.path)}: the notebook failed with {shown}: {again.error}", err=True
            )
            return 1
        runs.append((shown, again, parameters))
    status = 0
    for label, run, params in runs:
        package = run_package(out, plan.package, workdir, params, timeout=timeout * 3)
        if package.error:
            click.echo(f"{_shown(out)}: the package failed ({label}): {package.error}", err=True)
            status = 1
            continue
        rows = compare_values(run.results, package.values, plan.nondeterministic)
        bad = [r for r in rows if not r.ok]
        click.echo(
            f"\nverify ({label}): notebook {run.seconds:.1f} s (papermill),"
            f" package {package.seconds:.1f} s (python -m {plan.package})"
        )
        click.echo(table(rows))
        click.echo(
            f"{len(rows) - len(bad)}/{len(rows)} values match"
            + (f"; {len(bad)} differ" if bad else "")
        )
        status = max(status, 1 if bad else 0)
    return status


def _report(
    plan, shown: str, out: Path, execution, timings: dict[str, float], verbose: bool
) -> str:
    kinds: dict[str, int] = {}
    for note in plan.notes:
        kinds[note.kind] = kinds.get(note.kind, 0) + 1
    params = ", ".join(p.name for p in plan.parameters)
    lines = [f"{shown} -> {_shown(out)} (package {plan.package})"]
    lines.append(
        f"  parameters from {plan.parameters_origin}: {params}" if params else "  parameters: none"
    )
    lifted = [n for n in plan.notes if n.kind == "lifted"]
    for note in lifted:
        lines.append(f"    lifted: {note.format()}")
    lines.append(
        f"  steps: {', '.join(s.name for s in plan.steps) or 'none'};"
        f" {_count(len(plan.plots), 'plot function')}"
    )
    summary = ", ".join(
        f"{_count(n, NOTE_KINDS.get(k, k))}" for k, n in sorted(kinds.items()) if k != "lifted"
    )
    if summary:
        lines.append(f"  decisions: {summary}" + ("" if verbose else " (-v lists them)"))
    if verbose:
        lines += [f"    {n.format()}" for n in plan.notes if n.kind != "lifted"]
    if execution is not None:
        count = sum(1 for v in execution.results.values() if v is not None)
        lines.append(
            f"  goldens: {count} final values and {len(execution.steps)} steps recorded by"
            " running the notebook"
        )
    times = ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    lines.append(f"  time: {times}")
    lines.append(f"  next: cd {_shown(out)} && python -m {plan.package} --help && python -m pytest")
    return "\n".join(lines)


#: note kind -> what the report counts
NOTE_KINDS = {
    "display": "display-only expression",
    "globals": "function rewrite",
    "magic": "magic",
    "plot": "plot function",
    "renamed": "rename",
    "import": "star import",
    "parameter": "injected parameter",
}


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when inside it."""
    path = Path(path)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


# -- check ---------------------------------------------------------------------------------------


def _check(notebooks, output, name, allow_partial) -> int:
    """Exit status of ``--check``: 1 when a package would change, 2 when nothing can be checked."""
    try:
        entries = _entries(notebooks, output, name, allow_partial)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        return 2
    status = 0
    for entry in entries:
        status = max(status, _check_one(entry))
    return status


def _entries(notebooks, output, name, allow_partial) -> list[Entry]:
    if output is not None:
        if len(notebooks) != 1:
            _usage("--check with -o needs exactly one NOTEBOOK")
        return [Entry(notebooks[0], output, name, allow_partial)]
    pyproject = find_pyproject(Path.cwd())
    entries = load_entries(pyproject) if pyproject else []
    if not entries and not notebooks:
        raise ConfigError(
            "nbprod extract --check: no [tool.nbprod.extract] packages in pyproject.toml"
            " and no NOTEBOOK -o OUTPUT given"
        )
    if notebooks:
        wanted = {p.resolve() for p in notebooks}
        entries = [e for e in entries if e.notebook.resolve() in wanted]  # other files: not ours
    return entries


def _check_one(entry: Entry) -> int:
    from nbprod.extract import memo
    from nbprod.extract.environment import normalise
    from nbprod.notebook import LoadError, load_notebook

    try:
        nb = load_notebook(entry.notebook)
    except LoadError as exc:
        click.echo(str(exc), err=True)
        return 2
    previous = extracted_table(entry.output)
    package = (
        entry.name or previous.get("package") or package_name(entry.notebook, _imported_modules(nb))
    )
    pins = {}
    for spec in [*previous.get("dependencies", []), *previous.get("test-dependencies", [])]:
        pins[normalise(re.split(r"[\s<>=!~;\[@]", spec, maxsplit=1)[0])] = spec
    goldens_file = f"tests/goldens/{package}.json"
    goldens = entry.output / goldens_file
    target = {
        "package": package,
        "notebook": Path(os.path.relpath(nb.path.resolve(), entry.output.resolve())).as_posix(),
        "has_goldens": goldens.is_file(),
        "allow_partial": entry.allow_partial,
        "pins": pins,
    }
    rendered = memo.project(nb, target, lambda: _render(nb, target))
    shown = _shown(entry.notebook)
    if rendered["problems"] and not entry.allow_partial:
        for problem in rendered["problems"]:
            click.echo(f"{shown}:{problem}", err=True)
        return 1
    files = rendered["files"]
    stale = [rel for rel, text in files.items() if _read(entry.output / rel) != text]
    stale += [
        rel
        for rel in previous.get("files", [])
        if rel not in files and rel != goldens_file and (entry.output / rel).exists()
    ]
    if goldens.is_file() and f'"source-sha256": "{memo.source_sha256(nb)}"' not in (
        _read(goldens) or ""
    ):
        stale.append(goldens_file)
    if not stale:
        return 0
    refresh = f"nbprod extract {shown} -o {_shown(entry.output)} --force" + (
        " --allow-partial" if entry.allow_partial else ""
    )
    listed = ", ".join(stale[:4]) + (f" and {len(stale) - 4} more" if len(stale) > 4 else "")
    click.echo(
        f"{_shown(entry.output)}: out of date with {shown} ({listed}); refresh with: {refresh}"
    )
    return 1


def _render(nb, target: dict[str, Any]) -> dict[str, Any]:
    """Plan and render for ``--check`` (what :mod:`nbprod.extract.memo` keeps)."""
    from nbprod.extract.plan import plan_notebook
    from nbprod.extract.render import Target, render_project

    plan = plan_notebook(nb, target["package"])
    problems = [p.format("", partial=False).removeprefix(":") for p in plan.problems]
    options = Target(
        target["notebook"], target["has_goldens"], target["allow_partial"], target["pins"]
    )
    return {"files": render_project(plan, options), "problems": problems}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
