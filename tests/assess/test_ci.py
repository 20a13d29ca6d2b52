"""CI configurations read as data: every system's steps with their lines and triggers, and what
each command does."""

from __future__ import annotations

import textwrap

import pytest

from nbprod.assess.ci import Step, Trigger, command_kinds, make_targets, read_pipeline

PUSH = frozenset({"push", "pull_request"})


def pipeline(system: str, text: str):
    return read_pipeline(system, "ci-file", textwrap.dedent(text).lstrip("\n"))


def test_github_actions_steps_actions_and_triggers():
    p = pipeline(
        "GitHub Actions",
        """
        on:
          push:
            branches: [main]
          schedule:
            - cron: "0 3 * * 1"
          workflow_dispatch:
        jobs:
          build:
            steps:
              - uses: pre-commit/action@v3.0.1
                with:
                  extra_args: --all-files
              - run: |
                  pip install .

                  pytest -q
              - run: python train.py
          deploy:
            uses: ./.github/workflows/deploy.yml
        """,
    )
    kinds = frozenset({"push", "schedule", "manual"})
    assert p.problem is None
    assert p.triggers == (
        Trigger("push", 3, "push"),
        Trigger("schedule", 5, "schedule: 0 3 * * 1"),
        Trigger("manual", 6, "workflow_dispatch"),
    )
    assert p.steps == (
        Step(10, "uses: pre-commit/action@v3.0.1 extra_args=--all-files", kinds),
        Step(14, "pip install .", kinds),
        Step(16, "pytest -q", kinds),
        Step(17, "python train.py", kinds),
        Step(19, "uses: ./.github/workflows/deploy.yml", kinds),
    )


def test_github_on_as_a_list_and_a_string():
    assert [
        t.kind for t in pipeline("GitHub Actions", "on: [push, release]\njobs: {}\n").triggers
    ] == ["push", "event"]
    assert pipeline("GitHub Actions", "on: workflow_dispatch\njobs: {}\n").triggers == (
        Trigger("manual", 1, "workflow_dispatch"),
    )


def test_gitlab_jobs_default_script_and_schedule_rules():
    p = pipeline(
        "GitLab CI",
        """
        stages: [test, train]
        default:
          before_script:
            - pip install -r requirements.txt
        .template: &tpl
          image: python:3.11
        test:
          <<: *tpl
          script:
            - pytest
        train:
          script:
            - python train.py
          rules:
            - if: $CI_PIPELINE_SOURCE == "schedule"
        """,
    )
    assert p.steps == (
        Step(4, "pip install -r requirements.txt", PUSH),
        Step(10, "pytest", PUSH),
        Step(13, "python train.py", frozenset({"schedule"})),
    )
    assert p.triggers == (
        Trigger("push", 4, "push (every pipeline)"),
        Trigger("schedule", 15, 'train: $CI_PIPELINE_SOURCE == "schedule"'),
    )


def test_azure_pipelines_scripts_tasks_and_schedules():
    p = pipeline(
        "Azure Pipelines",
        """
        trigger:
          - main
        schedules:
          - cron: "0 2 * * *"
            branches:
              include: [main]
        steps:
          - script: python -m pytest
          - bash: |
              dvc repro
          - task: PythonScript@0
        """,
    )
    kinds = frozenset({"push", "schedule"})
    assert p.triggers == (
        Trigger("push", 2, "trigger"),
        Trigger("schedule", 4, "schedule: 0 2 * * *"),
    )
    assert p.steps == (
        Step(8, "python -m pytest", kinds),
        Step(10, "dvc repro", kinds),
        Step(11, "task: PythonScript@0", kinds),
    )


def test_jenkinsfile_sh_steps_and_cron():
    p = pipeline(
        "Jenkins",
        """
        pipeline {
          agent any
          triggers { cron('H 2 * * *') }
          stages {
            stage('Test') { steps { sh 'pytest -q' } }
            stage('Train') {
              steps {
                sh '''
                  python train.py
                  docker push registry/churn
                '''
              }
            }
          }
        }
        """,
    )
    kinds = frozenset({"push", "schedule"})
    assert p.triggers == (
        Trigger("push", 1, "SCM change (webhook)"),
        Trigger("schedule", 3, "cron: H 2 * * *"),
    )
    assert p.steps == (
        Step(5, "pytest -q", kinds),
        Step(9, "python train.py", kinds),
        Step(10, "docker push registry/churn", kinds),
    )


def test_invalid_yaml_is_a_problem_with_its_line():
    p = pipeline("GitHub Actions", "on: push\njobs:\n  build: [\n")
    assert (
        p.problem == "invalid YAML at line 4: expected the node content, but found '<stream end>'"
    )
    assert pipeline("GitHub Actions", "- a list\n").problem == "no 'jobs' mapping"


@pytest.mark.parametrize(
    "command,kinds",
    [
        ("pytest -q tests/", {"test"}),
        ("python -m pytest", {"test"}),
        ("tox -e py311", {"test"}),
        ("uv run pytest", {"test"}),
        ("ruff check .", {"lint"}),
        ("nbprod lint notebooks/", {"lint"}),
        ("pre-commit run --all-files", {"lint", "pre-commit"}),
        ("uses: pre-commit/action@v3.0.1", {"lint", "pre-commit"}),
        ("dvc repro", {"train"}),
        ("papermill churn.ipynb out.ipynb -p lr 0.1", {"train"}),
        ("nbprod run churn.ipynb -p n 3", {"train"}),
        ("nbprod run churn.ipynb --mlflow file:mlruns", {"train", "track"}),
        ("python scripts/train_model.py", {"train"}),
        ("python scripts/check_drift.py", {"monitor"}),
        ("uses: docker/build-push-action@v6 push=true tags=x", {"deploy"}),
        ("kubectl apply -f k8s/", {"deploy"}),
        ("./deploy.sh production", {"deploy"}),
        ("uses: actions/deploy-pages@v4", set()),
        ("mkdocs gh-deploy --force", set()),
        ("pip install -r requirements.txt", set()),
        ("python -m pip install -r requirements-training.txt", set()),
        ("# pytest is run below", set()),
    ],
)
def test_command_kinds(command, kinds):
    assert command_kinds(command) == kinds


def test_make_targets_are_followed_through_recipes_and_prerequisites():
    targets = make_targets(
        "all: test train\n\ntest:\n\t@python -m pytest\ntrain: data\n"
        "\tpython -m churn.train\ndata:\n\tdvc pull\n"
    )
    assert targets["all"] == [(1, "make test"), (1, "make train")]
    assert targets["train"] == [(5, "make data"), (6, "python -m churn.train")]
    assert command_kinds("make test", targets) == {"test"}
    assert command_kinds("make all", targets) == {"test", "train"}
    assert command_kinds("make", targets) == {"test", "train"}  # the first target


def test_a_command_chain_does_what_each_part_does():
    from nbprod.assess.ci import command_kinds

    assert command_kinds("pip install -e '.[test]' && python -m pytest") == {"test"}
    assert command_kinds("ruff check . ; pytest -q || true") == {"lint", "test"}
    assert command_kinds("pip install -r requirements.txt") == set()
