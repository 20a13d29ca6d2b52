"""The Python code of an extracted project that is nbprod's own, not the notebook's: the package's
``__init__``, ``config.py``, ``__main__.py`` and ``_runtime.py``, the tests, and the top and the
``run`` function of ``pipeline.py``.

Each is written as a :class:`~nbprod.extract.layout.Module`, in black's layout directly, so that
black only formats the notebook's own code (and, rarely, a module whose text falls outside the
layout's shapes: :func:`nbprod.extract.render.finish` decides).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from nbprod.extract.layout import Bracket, Module
from nbprod.extract.plan import Parameter, Plan, Step
from nbprod.extract.transforms.cst import loaded_names
from nbprod.extract.verify import option_flag

_HERE = Path(__file__).parent


def init(plan: Plan) -> Module:
    m = Module()
    m.doc(
        f"{plan.title}: the pipeline extracted from a notebook.\n\n"
        f"Use ``run(Config(...))`` or ``python -m {plan.package} --help``."
    )
    m.lines(
        "",
        f"from {plan.package}.config import Config",
        f"from {plan.package}.pipeline import run",
        "",
        '__all__ = ["Config", "run"]',
    )
    return m


def config(plan: Plan) -> Module:
    needs_field = any(isinstance(p.value, (list, dict, set)) for p in plan.parameters)
    m = Module()
    m.doc(f"The parameters of {plan.title}, from {plan.parameters_origin}.")
    m.lines("", "from dataclasses import dataclass" + (", field" if needs_field else ""))
    if any(_annotation(p.value) == "Any" for p in plan.parameters):
        m.lines("from typing import Any")
    m.lines("", "", "@dataclass(frozen=True)", "class Config:")
    m.doc("The notebook's parameters; the defaults are the notebook's values.", "    ")
    if plan.parameters:
        m.lines("")
    for p in plan.parameters:
        default = m.value(p.value)
        if isinstance(p.value, (list, dict, set)):
            default = f"field(default_factory=lambda: {default})"
        comment = f"  # {p.help}" if p.help else ""
        m.lines(f"    {p.name}: {_annotation(p.value)} = {default}{comment}")
    return m


def _annotation(value: Any) -> str:
    if value is None:
        return "Any"
    return (
        type(value).__name__
        if type(value) in (bool, int, float, str, list, dict, tuple, set)
        else "Any"
    )


def step_title(step: Step) -> str:
    cells = step.cells
    where = f"cell {cells[0]}" if len(cells) == 1 else f"cells {cells[0]}-{cells[-1]}"
    return f"{step.title} ({where})" if step.title else where[0].upper() + where[1:]


def variable_names(plan: Plan) -> set[str]:
    names = {p.name for p in plan.parameters}
    for step in plan.steps:
        names |= set(step.inputs) | set(step.outputs)
    return names


# -- pipeline.py ---------------------------------------------------------------------------------


def pipeline_top(plan: Plan, imports: str, logger: str) -> Module:
    """The docstring listing the steps, the import block, the logger."""
    steps = "\n".join(f"* ``{s.name}``: {step_title(s)}" for s in plan.steps)
    doc = f"{plan.title}: the notebook's code as functions.\n\n"
    if plan.summary:
        doc += plan.summary + "\n\n"
    doc += "``run(config)`` calls the steps in order and returns the notebook's final values:\n\n"
    m = Module()
    m.doc(doc + (steps or "(no steps)"))
    m.lines("")
    m.imports(imports)
    if logger:
        m.lines("", logger)
    return m


def run_function(plan: Plan, figures: str, observe: str) -> Module:
    """``run(config)``: the steps in order, each one's values passed to ``observe``."""
    m = Module()
    m.lines(
        "def _ignore(step: str, values: dict[str, Any]) -> None:",
        '    """The default ``observe`` of :func:`run`: values are not kept."""',
        "",
        "",
        "def run(",
        "    config: Config | None = None,",
        "    *,",
        "    figures_dir: str | None = None,",
        "    observe: Callable[[str, dict[str, Any]], None] | None = None,",
        ") -> dict[str, Any]:",
        '    """Run the notebook\'s steps in order and return its final values by name.',
        "",
        "    ``figures_dir``: draw the notebook's figures and save them there as PNG files",
        "    (None: no figures are drawn). ``observe(step, values)`` is called after each step",
        "    with the values it returned.",
        '    """',
        "    config = Config() if config is None else config",
    )
    if figures != "figures_dir":
        m.lines(f"    {figures} = figures_dir")
    m.lines(f"    {observe} = observe or _ignore")
    m.lines(*(f"    {p.name} = config.{p.name}" for p in plan.parameters))
    for step in plan.steps:
        args = list(step.inputs) + ([f"figures_dir={figures}"] if step.has_plots else [])
        m.call("    ", step.outputs, Bracket(f"{step.name}(", args, ")"))
        values = Bracket("{", [f'"{n}": {n}' for n in step.outputs], "}", collection=True)
        m.bracket("    ", Bracket(f"{observe}(", [f'"{step.name}"', values], ")"))
    m.bracket(
        "    ", Bracket("return {", [f'"{n}": {n}' for n in plan.results], "}", collection=True)
    )
    return m


# -- __main__.py ---------------------------------------------------------------------------------


def main(plan: Plan) -> Module:
    pkg = plan.package
    m = Module()
    options = [_option(m, p) for p in plan.parameters]
    literal = any(_is_literal(p.value) for p in plan.parameters)
    m.doc(f"The command line of {pkg}: ``python -m {pkg} [OPTIONS]``.")
    m.lines("", "import json", *(["import ast"] if literal else []), "import logging")
    m.lines(
        "",
        "import click",
        "",
        f"from {pkg}._values import describe, summarize",
        f"from {pkg}.config import Config",
        f"from {pkg}.pipeline import run",
        "",
        "",
    )
    if literal:
        m.lines(
            "def _literal(ctx, param, value):",
            '    """A Python literal (``[1, 2]``, ``None``, ``0.5``); anything else is a string."""',
            "    if value is None:",
            "        return None",
            "    try:",
            "        return ast.literal_eval(value)",
            "    except (ValueError, SyntaxError):",
            "        return value",
            "",
            "",
        )
    m.lines('@click.command(context_settings={"help_option_names": ["-h", "--help"]})')
    for option in [
        *options,
        Bracket(
            "@click.option(",
            [
                '"--figures-dir"',
                "type=click.Path(file_okay=False)",
                'help="Draw the figures and save them in this directory."',
            ],
            ")",
        ),
        Bracket(
            "@click.option(",
            [
                '"--values-json"',
                "type=click.Path(dir_okay=False)",
                'help="Write a summary of the results (types, shapes, hashes) to this JSON file."',
            ],
            ")",
        ),
    ]:
        m.bracket("", option)
    m.lines(
        '@click.option("-v", "--verbose", is_flag=True, help="Log what the notebook displayed.")',
        "def main(figures_dir, values_json, verbose, **parameters):",
    )
    m.doc(f"Run the pipeline extracted from {plan.title} and print its results.", "    ")
    m.lines(
        "    level = logging.INFO if verbose else logging.WARNING",
        '    logging.basicConfig(level=level, format="%(message)s")',
        "    given = {name: value for name, value in parameters.items() if value is not None}",
        "    results = run(Config(**given), figures_dir=figures_dir)",
        "    summaries = {name: summarize(value) for name, value in results.items()}",
        "    if values_json:",
        '        with open(values_json, "w", encoding="utf-8") as fh:',
        "            json.dump(summaries, fh, indent=1, sort_keys=True)",
        "    for name, summary in summaries.items():",
        "        if summary is not None:",
        '            click.echo(f"{name} = {describe(summary)}")',
        "",
        "",
        'if __name__ == "__main__":',
        "    main()",
    )
    return m


def _option(m: Module, p: Parameter) -> Bracket:
    """The ``@click.option`` of parameter ``p``: a flag, a typed option, or a Python literal."""
    flag = option_flag(p.name)
    help_text = p.help or (f"from {p.origin}" if p.origin else "")
    help_arg = [f"help={m.string(help_text)}"] if help_text else []
    if isinstance(p.value, bool):
        items = [m.string(f"--{flag}/--no-{flag}"), m.string(p.name), f"default={p.value!r}"]
        items += ["show_default=True", *help_arg]
    elif not _is_literal(p.value):
        items = [m.string(f"--{flag}"), m.string(p.name), f"type={type(p.value).__name__}"]
        items += [f"default={m.value(p.value)}", "show_default=True", *help_arg]
    else:
        items = [m.string(f"--{flag}"), m.string(p.name), "callback=_literal"]
        items.append(f"help={m.string(help_text + ' (a Python literal)')}")
        if p.value is not None:
            items.append(f"show_default={m.string(repr(p.value))}")
    return Bracket("@click.option(", items, ")")


def _is_literal(value: Any) -> bool:
    """Whether the option of a parameter with this default takes a Python literal."""
    return not isinstance(value, bool) and type(value) not in (int, float, str)


# -- _runtime.py ---------------------------------------------------------------------------------


def runtime(helpers: frozenset[str]) -> Module:
    """The definitions of :mod:`nbprod.extract.runtime` that the pipeline uses, with what they
    use in turn and the imports they need (copied from that black-formatted file)."""
    source = (_HERE / "runtime.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    imports = {
        a.asname or a.name: n for n in tree.body if isinstance(n, ast.Import) for a in n.names
    }
    wanted, todo = set(), [h for h in helpers if h in defs]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += [n for n in loaded_names(defs[name]) if n in defs]
    used = {n for name in wanted for n in loaded_names(defs[name])}
    m = Module()
    m.doc("What the notebook got from IPython, in plain Python (copied from nbprod).")
    m.lines("", *(f"import {name}" for name in sorted(imports) if name in used))
    for name, node in defs.items():
        if name in wanted:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            m.lines("", "")
            m.verbatim(lines[start - 1 : node.end_lineno])
    return m


# -- tests/test_PKG.py ---------------------------------------------------------------------------


def tests(plan: Plan, workdir: str, has_goldens: bool) -> Module:
    """The package's tests: a run with the defaults, one test per step, the golden values."""
    pkg = plan.package
    m = Module()
    m.doc(
        f"Tests of {pkg}: a run with the defaults, one test per step and, when the notebook was "
        "executed at extraction, its values (goldens) compared with the package's."
    )
    m.lines(
        "",
        "import json",
        "import os",
        "from pathlib import Path",
        "",
        "import pytest",
        "",
        "from click.testing import CliRunner",
        "",
        f"from {pkg} import Config, run",
        f"from {pkg}.__main__ import main",
        f"from {pkg}._values import MATCHING, compare, summarize",
        "",
        "HERE = Path(__file__).resolve().parent",
        "#: the notebook's directory, where its relative paths point",
        f"#: (the environment variable {pkg.upper()}_WORKDIR overrides it)",
        f'WORKDIR = Path(os.environ.get("{pkg.upper()}_WORKDIR", HERE.parent / {m.string(workdir)}))',
    )
    nondeterministic = sorted(plan.nondeterministic & variable_names(plan))
    m.bracket("", _strings("NONDETERMINISTIC = [", nondeterministic, "]"))
    if has_goldens:
        path = f'(HERE / "goldens" / "{pkg}.json").read_text(encoding="utf-8")'
        m.bracket("", Bracket("GOLDENS = json.loads(", [path], ")"))
    m.lines(
        "",
        "",
        '@pytest.fixture(scope="module")',
        "def pipeline():",
        '    """Run the pipeline once with the defaults, in the notebook\'s directory,',
        '    summarising the values of each step as soon as it returns."""',
        "    steps = {}",
        "",
        "    def observe(step, values):",
        "        steps[step] = {name: summarize(value) for name, value in values.items()}",
        "",
        "    previous = os.getcwd()",
        "    os.chdir(WORKDIR)",
        "    try:",
        "        results = run(Config(), observe=observe)",
        "    finally:",
        "        os.chdir(previous)",
        "    return results, steps",
        "",
        "",
        "def test_run_with_defaults(pipeline):",
        "    results, steps = pipeline",
    )
    m.bracket("    ", _strings("assert list(steps) == [", [s.name for s in plan.steps], "]"))
    m.bracket("    ", _strings("assert sorted(results) == [", sorted(plan.results), "]"))
    m.lines(
        "",
        "",
        "def test_the_command_line_lists_every_parameter():",
        '    result = CliRunner().invoke(main, ["--help"])',
        "    assert result.exit_code == 0",
    )
    flags = [f"--{option_flag(p.name)}" for p in plan.parameters]
    m.bracket("    ", _strings("for option in [", flags, "]:"))
    m.lines("        assert option in result.output")
    for step in plan.steps:
        m.lines("", "", f"def test_{step.name}(pipeline):")
        m.doc(f"{step_title(step)}.", "    ", wrap=False)
        m.lines("    _, steps = pipeline")
        if has_goldens:
            items = [f'steps["{step.name}"]', f'GOLDENS["steps"]["{step.name}"]']
            m.bracket("    ", Bracket("_assert_matches(", items, ")"))
        else:
            head = f'assert sorted(steps["{step.name}"]) == ['
            m.bracket("    ", _strings(head, sorted(step.outputs), "]"))
    if has_goldens and plan.results:
        names = _strings("[", sorted(plan.results), "]")
        m.lines("", "")
        m.bracket("", Bracket("@pytest.mark.parametrize(", ['"name"', names], ")"))
        m.lines(
            "def test_golden_value(pipeline, name):",
            '    """The final value of each name, as the notebook computed it (modules,',
            '    functions and classes are not values: the notebook recorded none)."""',
            "    results, _ = pipeline",
            '    expected = GOLDENS["results"].get(name)',
            "    actual = {name: summarize(results.get(name))}",
            "    _assert_matches(actual, {name: expected} if expected else {})",
        )
    if has_goldens:
        m.lines(
            "",
            "",
            "def _assert_matches(actual, expected):",
            '    """Every value the notebook had (modules and functions aside) is there and',
            '    matches."""',
            "    actual = {name: s for name, s in actual.items() if s is not None}",
            "    assert sorted(actual) == sorted(expected)",
            "    for name, summary in expected.items():",
            "        status, note = compare(summary, actual[name], name not in NONDETERMINISTIC)",
            '        assert status in MATCHING, f"{name}: {note}"',
        )
    return m


def _strings(head: str, names: list[str], tail: str) -> Bracket:
    """A list literal of names (identifiers and option flags: black's quotes are plain)."""
    return Bracket(head, [f'"{n}"' for n in names], tail, collection=True)
