"""``nbprod assess [PATH]``: rate a repository on the MLOps maturity model.

Reads files only (``git`` is asked read-only questions); never imports or runs project code.
Exit codes: 0 assessed, 1 below ``--min-level``, 2 usage error or unreadable PATH.
"""

from __future__ import annotations

import os
import sys

import click

from nbprod.assess.render import FORMATS


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", default=".", metavar="[PATH]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, markdown for READMEs and CI job summaries.",
)
@click.option(
    "--min-level",
    type=click.IntRange(0, 4),
    default=None,
    metavar="N",
    help="Exit 1 when the repository is below level N (a CI gate).",
)
def assess(path: str, fmt: str, min_level: int | None) -> None:
    """Rate the repository at PATH (default: .) on the MLOps maturity model.

    Prints the level on Microsoft's 0-4 scale (No MLOps, DevOps but no MLOps, Automated
    Training, Automated Model Deployment, Full MLOps Automated Operations) with its Google 0-2
    equivalent; each criterion as PASS, PARTIAL or MISSING with the files and lines that prove
    it and a next step; ML Test Score section scores (1 point automated, 0.5 manual, overall =
    minimum over sections); and a roadmap to the next level naming the nbprod command that helps.

    Evidence: notebooks (nbprod lint findings per limitation), training modules with an entry
    point and parameters, tests importing training code, CI (GitHub Actions, GitLab CI, Azure
    Pipelines, Jenkins) and what it runs, schedules, pinned environments, pre-commit, seeds,
    experiment tracking, model registry, data versioning (DVC, LFS), README and model card.

    Files only: project code is never imported or run. Exit 0 when assessed, 1 below
    --min-level, 2 on a usage error or an unreadable PATH.
    """
    from nbprod.assess.criteria import assess as rate
    from nbprod.assess.evidence import collect
    from nbprod.assess.repository import RepositoryError, open_repository

    try:
        repo = open_repository(path)
    except RepositoryError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    collected = collect(repo)
    assessment = rate(
        path, collected.evidence, collected.notebooks, collected.limitations, repo.problems
    )
    for problem in assessment.problems:
        click.echo(problem, err=True)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    click.echo(FORMATS[fmt](assessment, color), nl=False)
    if min_level is not None and assessment.level < min_level:
        click.echo(f"{path}: level {assessment.level} is below --min-level {min_level}", err=True)
        sys.exit(1)
