"""An :class:`~nbprod.assess.criteria.Assessment` as text (rich), JSON or Markdown.

Formats are registered by name in :data:`FORMATS`; each takes the assessment and returns the text
to print. Text and Markdown show at most :data:`SHOWN` pieces of evidence per criterion, JSON all.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from nbprod.assess.criteria import (
    COMMANDS,
    CRITERIA,
    FACTS,
    GOOGLE_LEVELS,
    LEVELS,
    MISSING,
    PARTIAL,
    PASS,
    SECTIONS,
    Assessment,
    Result,
)
from nbprod.report import plural

SHOWN = 5
SCALE = "Microsoft MLOps maturity model, levels 0-4"
STYLES = {PASS: "green", PARTIAL: "yellow", MISSING: "red"}


def _score(value: float) -> str:
    return f"{value:g}"


def headline(a: Assessment) -> str:
    google = f"Google MLOps level {a.google_level} of 2: {GOOGLE_LEVELS[a.google_level]}"
    return f"Level {a.level} of 4: {a.name} ({SCALE}; {google})"


def _level_title(level: int) -> str:
    name, google = LEVELS[level]
    return f"Level {level}: {name} (Google level {google})"


def _kind(result: Result) -> str:
    gate = result.criterion.gate
    return f"required for level {gate}" if gate is not None else "recommended"


def _shown(result: Result) -> tuple[list, int]:
    return list(result.evidence[:SHOWN]), max(len(result.evidence) - SHOWN, 0)


def _helps(result: Result) -> str:
    command = result.criterion.command
    return f" [{COMMANDS[command]}]" if command else ""


def _by_level(a: Assessment) -> list[tuple[int, list[Result]]]:
    levels = sorted({r.criterion.level for r in a.results})
    return [(n, [r for r in a.results if r.criterion.level == n]) for n in levels]


# -- text -----------------------------------------------------------------------------------------


def text(a: Assessment, color: bool = False) -> str:
    import io

    from rich.console import Console
    from rich.text import Text

    lines: list[Text] = []

    def say(*parts: str | tuple[str, str], style: str = "") -> None:
        lines.append(Text.assemble(*parts, style=style))

    say("MLOps maturity of ", a.root, ": ", headline(a), style="bold")
    for level, results in _by_level(a):
        say()
        say(_level_title(level), style="bold")
        for r in results:
            say(
                "  ",
                (f"{r.status:<8}", STYLES[r.status]),
                r.criterion.title,
                (f"  ({_kind(r)})", "dim"),
            )
            shown, more = _shown(r)
            for e in shown:
                say(f"            {e.where}  {e.note}")
            if more:
                say(f"            ... and {more} more", style="dim")
            if r.next_step:
                say(f"            next: {r.next_step}{_helps(r)}", style="cyan")
    if a.limitations:
        say()
        say(
            f"Notebook lint findings per limitation ({plural(a.notebooks, 'notebook')})",
            style="bold",
        )
        for name, s in a.limitations.items():
            codes = ", ".join(f"{c} ×{n}" for c, n in s.codes)
            say(f"  {name:<20} {s.findings:>4} in {plural(s.notebooks, 'notebook'):<13}  {codes}")
    say()
    say(
        "Scores (ML Test Score: 1 point automated, 0.5 manual; overall = minimum over sections)",
        style="bold",
    )
    for s in a.sections:
        say(f"  {SECTIONS[s.section]:<20} {_score(s.score):>4} / {s.maximum}")
    say(f"  {'Overall':<20} {_score(a.overall):>4}", style="bold")
    say()
    if a.next_level is None:
        say("Level 4 reached: every gating criterion passes.", style="bold")
    else:
        say(f"Roadmap to {_level_title(a.next_level)}", style="bold")
        for i, r in enumerate(a.roadmap, 1):
            say(f"  {i}. {r.criterion.title} ({r.status}): {r.next_step}{_helps(r)}")
    for r in a.recommended:
        say(f"  also: {r.criterion.title} ({r.status}): {r.next_step}{_helps(r)}", style="dim")
    out = io.StringIO()
    console = Console(
        file=out, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True
    )
    for line in lines:
        console.print(line)
    return out.getvalue()


# -- JSON -----------------------------------------------------------------------------------------


def _result_json(r: Result) -> dict[str, Any]:
    c = r.criterion
    return {
        "id": c.id,
        "title": c.title,
        "section": c.section,
        "level": c.level,
        "required_for_level": c.gate,
        "status": r.status,
        "points": r.points,
        "evidence": [
            {"fact": e.fact, "path": e.path, "cell": e.cell, "line": e.line, "note": e.note}
            for e in r.evidence
        ],
        "next_step": r.next_step,
        "command": COMMANDS[c.command] if c.command else None,
        "source": c.source,
    }


def as_json(a: Assessment, color: bool = False) -> str:
    roadmap = None
    if a.next_level is not None:
        roadmap = {
            "level": a.next_level,
            "name": LEVELS[a.next_level][0],
            "required": [r.criterion.id for r in a.roadmap],
            "recommended": [r.criterion.id for r in a.recommended],
        }
    data = {
        "path": a.root,
        "scale": SCALE,
        "level": a.level,
        "name": a.name,
        "google_level": a.google_level,
        "google_name": GOOGLE_LEVELS[a.google_level],
        "criteria": [_result_json(r) for r in a.results],
        "sections": [
            {"id": s.section, "title": SECTIONS[s.section], "score": s.score, "max": s.maximum}
            for s in a.sections
        ],
        "overall": a.overall,
        "roadmap": roadmap,
        "notebooks": {
            "linted": a.notebooks,
            "limitations": {
                name: {"findings": s.findings, "notebooks": s.notebooks, "codes": dict(s.codes)}
                for name, s in (a.limitations or {}).items()
            },
        },
        "problems": list(a.problems),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# -- Markdown -------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(a: Assessment, color: bool = False) -> str:
    lines = [
        f"**MLOps maturity: Level {a.level} of 4, {a.name}** ({SCALE}; Google MLOps level "
        f"{a.google_level} of 2: {GOOGLE_LEVELS[a.google_level]})",
        "",
        "| Level | Criterion | Status | Evidence | Next step |",
        "|---|---|---|---|---|",
    ]
    for r in a.results:
        shown, more = _shown(r)
        proof = "<br>".join(f"`{_cell(e.where)}` {_cell(e.note)}" for e in shown)
        proof += f"<br>... and {more} more" if more else ""
        gate = "" if r.criterion.gate is not None else " (recommended)"
        step = _cell(f"{r.next_step}{_helps(r)}") if r.next_step else ""
        lines.append(
            f"| {r.criterion.level} | {r.criterion.title}{gate} | {r.status} | {proof} | {step} |"
        )
    lines += ["", "| Section (ML Test Score) | Score |", "|---|---|"]
    lines += [f"| {SECTIONS[s.section]} | {_score(s.score)} / {s.maximum} |" for s in a.sections]
    lines.append(f"| **Overall** (minimum over sections) | **{_score(a.overall)}** |")
    if a.limitations:
        lines += [
            "",
            f"Notebook lint findings per limitation ({plural(a.notebooks, 'notebook')}):",
            "",
        ]
        for name, s in a.limitations.items():
            codes = ", ".join(f"{c} ×{n}" for c, n in s.codes)
            lines.append(f"- {name}: {s.findings} in {plural(s.notebooks, 'notebook')} ({codes})")
    lines.append("")
    if a.next_level is None:
        lines.append("Level 4 reached: every gating criterion passes.")
    else:
        lines += [f"Roadmap to {_level_title(a.next_level)}:", ""]
        lines += [
            f"{i}. {r.criterion.title} ({r.status}): {r.next_step}{_helps(r)}"
            for i, r in enumerate(a.roadmap, 1)
        ]
    lines += [
        f"- also: {r.criterion.title} ({r.status}): {r.next_step}{_helps(r)}" for r in a.recommended
    ]
    return "\n".join(lines) + "\n"


# -- the criteria table (README) -------------------------------------------------------------------


def _rules(rules: tuple) -> str:
    return "; or ".join(
        FACTS[r] if isinstance(r, str) else ", and ".join(FACTS[f] for f in r) for r in rules
    )


def criteria_table() -> str:
    """The criteria as a Markdown table: when each passes, and where it comes from."""
    lines = [
        "| Criterion | Level | Section | PASS (1 point) when | PARTIAL (0.5) when | From |",
        "|---|---|---|---|---|---|",
    ]
    for c in CRITERIA:
        level = f"{c.level}, required" if c.gate == c.level else f"{c.level}"
        level += f", required from {c.gate}" if c.gate not in (None, c.level) else ""
        level += ", recommended" if c.gate is None else ""
        cells = [
            f"`{c.id}`: {c.title}",
            level,
            SECTIONS[c.section],
            _rules(c.passes),
            _rules(c.partial),
            c.source,
        ]
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return "\n".join(lines) + "\n"


#: format name -> renderer(assessment, color) -> text
FORMATS: dict[str, Callable[[Assessment, bool], str]] = {
    "text": text,
    "json": as_json,
    "markdown": markdown,
}
