"""The ``nbprod`` command line: a click group whose subcommands are imported only when used.

Each command lives next to the code it drives (``nbprod.lint.command``, ...); this module only
maps names to them, so ``nbprod --help`` stays fast (no nbformat, papermill or libcst import).
"""

from __future__ import annotations

import atexit
import gc
import importlib

import click

from nbprod import __version__

#: command name -> ("module:function" of its click command, one-line summary for ``--help``).
#: The summary lives here so that ``nbprod --help`` imports no command module.
COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("nbprod.lint.command:lint", "Check notebooks for production problems (static)."),
    "rule": ("nbprod.lint.catalogue:rule", "Explain lint rules: what each checks and why."),
    "extract": (
        "nbprod.extract.command:extract_command",
        "Turn a notebook into a package with a CLI and tests, verified against it.",
    ),
    "run": ("nbprod.run.command:run", "Run a notebook once with validated parameters."),
    "batch": ("nbprod.run.command:batch", "Run a notebook over a parameter grid, in parallel."),
    "runs": ("nbprod.run.command:runs", "Inspect recorded runs: list, show, compare, report."),
    "smoke": ("nbprod.hooks.smoke:smoke", "Run notebooks with their smoke parameters (pre-push)."),
    "assess": ("nbprod.assess.command:assess", "Rate a repository on the MLOps maturity model."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attr = COMMANDS[name][0].partition(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nbprod")
def cli() -> None:
    """Take notebooks from MLOps Level 0 to Level 2: lint, extract, run, assess."""


def main() -> None:
    # At exit, the interpreter's tear-down runs the cyclic garbage collector over everything a
    # command imported (papermill, jupyter_client, rich...): 0.15 s after a batch. Freezing the
    # heap first (a documented gc API) leaves objects to reference counting; nothing is lost.
    atexit.register(gc.freeze)  # registered first, so it runs after every other exit handler
    cli()
