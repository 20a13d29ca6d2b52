"""The real ``nbprod lint`` CLI on each rule's bad example prints exactly the committed snapshot
(``snapshots/NB123.txt``). Regenerate with NBPROD_UPDATE_SNAPSHOTS=1 after a deliberate change."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from tests.rules.rules_helpers import RULES, check_snapshot

from nbprod.cli import cli
from nbprod.lint import examples


@pytest.mark.parametrize("code", sorted(RULES))
def test_cli_output_on_bad_example(code, tmp_path, monkeypatch):
    path = examples.write(RULES[code].bad, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--select", code, path.name])
    assert result.exit_code == 1, result.output
    check_snapshot(f"{code}.txt", result.output)
