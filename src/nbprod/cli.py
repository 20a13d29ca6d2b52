"""The ``nbprod`` command line: a click group whose subcommands are imported only when used.

Each command lives next to the code it drives (``nbprod.lint.command``, ...); this module only
maps names to them, so ``nbprod --help`` stays fast (no nbformat, papermill or libcst import).
"""

from __future__ import annotations

import importlib

import click

from nbprod import __version__

#: command name -> "module:function" of its click command
COMMANDS: dict[str, str] = {
    "assess": "nbprod.assess.command:assess",
    "extract": "nbprod.extract.command:extract_command",
    "lint": "nbprod.lint.command:lint",
    "rule": "nbprod.lint.catalogue:rule",
    "run": "nbprod.run.command:run",
    "batch": "nbprod.run.command:batch",
    "runs": "nbprod.run.command:runs",
    "smoke": "nbprod.hooks.smoke:smoke",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nbprod")
def cli() -> None:
    """Take notebooks from MLOps Level 0 to Level 2: lint, extract, run, assess."""


def main() -> None:
    cli()
