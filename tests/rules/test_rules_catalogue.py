"""The catalogue and the checks agree: every rule has a check and complete documentation."""

from __future__ import annotations

import collections
import re

import pytest
from tests.rules.rules_helpers import RULES

from nbprod.lint.registry import CHECKS, LIMITATIONS, SEVERITIES, rules_dir

FIELDS = ("code", "name", "limitation", "severity", "summary", "why", "bad", "good")


def test_every_rule_has_a_check_and_every_check_a_rule():
    assert sorted(RULES) == sorted(CHECKS)


def test_every_rule_file_is_loaded():
    files = sorted(p.stem for p in rules_dir().glob("*.toml"))
    assert files == [f"{r.code}-{r.name}" for r in RULES.values()]


def test_size_of_the_catalogue():
    per_limitation = collections.Counter(r.limitation for r in RULES.values())
    assert set(per_limitation) == set(LIMITATIONS)
    assert min(per_limitation.values()) >= 3, per_limitation
    assert len(RULES) >= 30
    assert sum(r.fixable for r in RULES.values()) >= 3


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_documentation_is_complete(code):
    rule = RULES[code]
    for name in FIELDS:
        assert getattr(rule, name), f"{code}: empty {name}"
    assert re.fullmatch(r"NB[1-8]\d\d", code)
    assert int(code[2]) == LIMITATIONS[rule.limitation], f"{code} is not in its limitation's range"
    assert rule.severity in SEVERITIES
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert "\n" not in rule.summary.strip() and rule.summary.strip().endswith(".")
    assert len(rule.why.split()) >= 15, f"{code}: say why it matters"
    for spec in (rule.bad, rule.good):
        assert spec["cells"], f"{code}: an example needs cells"
        assert all("source" in cell for cell in spec["cells"])


def test_names_are_unique():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
