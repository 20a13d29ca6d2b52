"""The command line: every command resolves, and ``nbprod --help`` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from nbprod import __version__
from nbprod.cli import COMMANDS, cli


def test_every_listed_command_is_a_click_command():
    ctx = click.Context(cli)
    for name in COMMANDS:
        assert isinstance(cli.get_command(ctx, name), click.Command), name


def test_help_lists_commands_without_importing_heavy_modules():
    code = (
        "import sys, json\n"
        "from click.testing import CliRunner\n"
        "from nbprod.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "heavy = ['nbformat', 'papermill', 'nbclient', 'libcst', 'IPython', 'black', 'rich',\n"
        "         'dask', 'detect_secrets', 'nbprod.lint.engine', 'nbprod.assess.criteria']\n"
        "print(json.dumps([result.exit_code, result.output, [m for m in heavy if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    code_, output, imported = json.loads(out.stdout)
    assert code_ == 0 and imported == []
    for name, (_, summary) in COMMANDS.items():
        assert f"  {name} " in output


def test_version_and_unknown_command():
    from click.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output == f"nbprod, version {__version__}\n"
    result = runner.invoke(cli, ["lnt"])
    assert result.exit_code == 2 and "No such command 'lnt'" in result.output
