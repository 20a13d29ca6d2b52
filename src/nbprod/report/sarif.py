"""SARIF 2.1.0, as GitHub code scanning reads it.

Each result's ``region`` is the physical line and column in the ``.ipynb`` text (what GitHub
shows); the cell number, line and column in the cell and the cell id are in the result's
``properties``. ``tool.driver.rules`` lists the rules applied, with the catalogue's summary, why it
matters and its examples as help. Columns count Unicode code points (``columnKind``). Paths stay
relative (to ``%SRCROOT%``, the directory nbprod ran in) unless they were given absolute. Files
that could not be checked are ``toolExecutionNotifications`` of the invocation.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from urllib.parse import quote

from nbprod.report import Diagnostic, Report, RuleInfo

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _location(path: str) -> dict:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": "file://" + quote(pure.as_posix())}
    return {"uri": quote(pure.as_posix()), "uriBaseId": "%SRCROOT%"}


def _rule(rule: RuleInfo) -> dict:
    text = rule.why or rule.summary
    entry = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": rule.help_markdown or text},
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": [t for t in (rule.limitation, "notebook") if t]},
    }
    return entry


def _result(d: Diagnostic, index: dict[str, int]) -> dict:
    where = f"cell {d.cell.number}:{d.cell.line}:{d.cell.column}: " if d.cell else ""
    result: dict = {
        "ruleId": d.code,
        "level": _LEVELS.get(d.severity, "warning"),
        "message": {"text": where + d.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _location(d.path),
                    "region": {"startLine": d.line, "startColumn": d.column},
                }
            }
        ],
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.cell:
        properties = {"cell": d.cell.number, "cellLine": d.cell.line, "cellColumn": d.cell.column}
        if d.cell.id is not None:  # nbformat < 4.5 files have no cell ids
            properties["cellId"] = d.cell.id
        result["properties"] = properties
    return result


def render(report: Report) -> str:
    rules = [report.rules[code] for code in sorted(report.rules)]
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver = {"name": report.tool, "rules": [_rule(r) for r in rules]}
    if report.version:
        driver["version"] = driver["semanticVersion"] = report.version
    invocation = {
        "executionSuccessful": not report.errors,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": error}} for error in report.errors
        ],
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index) for d in report.diagnostics],
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
