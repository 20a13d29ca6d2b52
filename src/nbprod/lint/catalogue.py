"""``nbprod rule``: the rule catalogue as documentation (one rule, a list, the README table).

Reads only the TOML catalogue (``load_catalogue``): no check and no notebook model is imported.
Rendering is pure (rule -> text); the click command at the bottom only prints.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Iterable, Mapping

import click

from nbprod.lint.registry import LIMITATIONS, Rule, load_catalogue

WIDTH = 88


def _paragraph(text: str, indent: str = "  ") -> str:
    return textwrap.fill(
        " ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=indent
    )


def _cells(example: Mapping[str, Any]) -> Iterable[tuple[str, str, str, list[str]]]:
    """(cell type, header, source, output summaries) of each cell of an example spec."""
    for number, cell in enumerate(example.get("cells", ()), 1):
        notes = [cell.get("cell_type", "code")]
        if cell.get("execution_count") is not None:
            notes.append(f"execution count {cell['execution_count']}")
        if cell.get("tags"):
            notes.append("tags: " + ", ".join(cell["tags"]))
        if cell.get("repeat", 1) > 1:
            notes.append(f"repeated {cell['repeat']} times")
        header = f"cell {number} ({'; '.join(notes)})"
        yield notes[0], header, cell["source"].strip("\n"), [
            _output(o) for o in cell.get("outputs", ())
        ]


def _output(spec: Mapping[str, Any]) -> str:
    """One line describing an example output."""
    times = f" (x{spec['repeat']})" if spec.get("repeat", 1) > 1 else ""
    if "ename" in spec:
        return f"error output: {spec['ename']}: {spec.get('evalue', '')}"
    if "text" in spec:
        return f"{spec.get('name', 'stdout')} output: {json.dumps(spec['text'])}{times}"
    data = ", ".join(
        f"{mime} {json.dumps(str(value))[:60]}" for mime, value in spec["data"].items()
    )
    return f"result output: {data}{times}"


def _options_line(value: Any) -> str:
    return (
        json.dumps(value)
        if isinstance(value, str)
        else repr(value).lower() if isinstance(value, bool) else str(value)
    )


# -- text ----------------------------------------------------------------------------------------


def _example_text(example: Mapping[str, Any]) -> str:
    lines = []
    if "filename" in example:
        lines.append(f"  file {example['filename']}")
    if "metadata" in example:
        lines.append(f"  notebook metadata: {json.dumps(example['metadata'])}")
    for _, header, source, outputs in _cells(example):
        lines.append(f"  {header}:")
        lines.extend(textwrap.indent(source, "    ").splitlines() or ["    (empty)"])
        lines.extend(f"    -> {output}" for output in outputs)
    return "\n".join(lines)


def rule_text(rule: Rule) -> str:
    """The full documentation of one rule, for a terminal."""
    out = [
        f"{rule.code} {rule.name}  ({rule.limitation}, {rule.severity}"
        f"{', fixable' if rule.fixable else ''})",
        "",
        _paragraph(rule.summary, ""),
        "",
        "Why it matters:",
        _paragraph(rule.why),
    ]
    if rule.options:
        out += ["", f"Options ([tool.nbprod.rules.{rule.code}] in pyproject.toml):"]
        out += [f"  {key} = {_options_line(value)}" for key, value in rule.options.items()]
    if rule.fixable:
        out += ["", "Fix: `nbprod lint --fix` applies it (outputs/metadata only, never code)."]
    out += ["", "Triggers it:", _example_text(rule.bad), "", "Does not:", _example_text(rule.good)]
    return "\n".join(out) + "\n"


def list_text(rules: Iterable[Rule]) -> str:
    """One line per rule."""
    rows = [
        (r.code, r.name, r.limitation, r.severity, "fix" if r.fixable else "", r.summary)
        for r in rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True))
        + "  "
        + row[5]
        + "\n"
        for row in rows
    )


# -- markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rule_markdown(rule: Rule) -> str:
    """The documentation of one rule as a markdown section."""

    def example(spec: Mapping[str, Any]) -> str:
        blocks = [f"File name: `{spec['filename']}`"] if "filename" in spec else []
        if "metadata" in spec:
            blocks.append(f"Notebook metadata: `{json.dumps(spec['metadata'])}`")
        for kind, header, source, outputs in _cells(spec):
            lang = "python" if kind == "code" else kind
            blocks.append(f"{header}:\n\n```{lang}\n{source}\n```")
            blocks.extend(f"- {output}" for output in outputs)
        return "\n\n".join(blocks)

    out = [
        f"### {rule.code} `{rule.name}`",
        "",
        f"*{rule.limitation}, {rule.severity}{', fixable' if rule.fixable else ''}.* "
        f"{_md(rule.summary)}",
        "",
        _md(rule.why),
    ]
    if rule.options:
        opts = ", ".join(f"`{k} = {_options_line(v)}`" for k, v in rule.options.items())
        out += ["", f"Options: {opts}."]
    out += ["", "Triggers it:", "", example(rule.bad), "", "Does not:", "", example(rule.good)]
    return "\n".join(out) + "\n"


def table_markdown(rules: Iterable[Rule]) -> str:
    """The README's rule table: one section per limitation."""
    by_limitation: dict[str, list[Rule]] = {name: [] for name in LIMITATIONS}
    for rule in rules:
        by_limitation[rule.limitation].append(rule)
    out = [
        "Generated from `rules/` by `nbprod rule --all --format markdown`; "
        "`nbprod rule CODE` prints a rule's full documentation with examples. "
        "🔧 = `nbprod lint --fix` can fix it.",
    ]
    for limitation, members in by_limitation.items():
        if not members:
            continue
        digit = LIMITATIONS[limitation]
        out += [
            "",
            f"#### {limitation.replace('-', ' ').capitalize()} (NB{digit}xx)",
            "",
            "| code | name | severity | what it checks | options |",
            "|---|---|---|---|---|",
        ]
        for r in members:
            opts = ", ".join(f"`{k}={_options_line(v)}`" for k, v in r.options.items())
            fix = " 🔧" if r.fixable else ""
            out.append(f"| {r.code}{fix} | `{r.name}` | {r.severity} | {_md(r.summary)} | {opts} |")
    return "\n".join(out) + "\n"


# -- the command ---------------------------------------------------------------------------------


@click.command("rule")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--all", "show_all", is_flag=True, help="List every rule (one line each).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: with --all, the README rule table; with codes, one section per rule.",
)
def rule(codes: tuple[str, ...], show_all: bool, fmt: str) -> None:
    """Explain lint rules: what each checks, why it matters, how to fix it, with examples.

    \b
      nbprod rule NB104              the documentation of NB104
      nbprod rule NB1                every reproducibility rule (a code prefix)
      nbprod rule --all              one line per rule
      nbprod rule --all --format markdown   the README's rule table

    Exit status: 0 shown; 2 unknown code or no code given.
    """
    catalogue = load_catalogue()
    if show_all:
        rules = list(catalogue.values())
        click.echo(table_markdown(rules) if fmt == "markdown" else list_text(rules), nl=False)
        return
    if not codes:
        raise click.UsageError("give a rule code (e.g. NB104) or --all")
    chosen: list[Rule] = []
    for code in codes:
        matches = [r for c, r in catalogue.items() if c.startswith(code.upper())]
        if not matches:
            raise click.UsageError(f"unknown rule {code!r} (see `nbprod rule --all`)")
        chosen += [r for r in matches if r not in chosen]
    render = rule_markdown if fmt == "markdown" else rule_text
    click.echo("\n".join(render(r) for r in chosen), nl=False)
