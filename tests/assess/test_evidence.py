"""File scanners (pure: one file's path and text in, evidence out) and the Python code reader."""

from __future__ import annotations

import textwrap

from nbprod.assess.code import ProjectIndex, aliases, hits, module_facts
from nbprod.assess.evidence import (
    Evidence,
    conda_environment,
    dockerfile,
    entry_points,
    gitattributes,
    pre_commit_config,
    pyproject,
    requirements_txt,
    setup_cfg,
)


def text(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def test_requirements_pinned_unpinned_and_what_is_not_a_requirement():
    assert (
        requirements_txt(
            "requirements.txt",
            text("""
        # compiled by pip-compile
        -r base.txt
        --index-url https://example.com/simple
        numpy==1.26.4 \\
            --hash=sha256:abc
        pandas[excel]==2.2.3  # via -r requirements.in
        mylib @ git+https://example.com/mylib@0a1b2c
        scikit-learn==1.5.2; python_version >= "3.10"
        """),
        )
        == [Evidence("env-pinned", "requirements.txt", 4, "4 of 4 requirements pinned")]
    )
    assert requirements_txt("requirements-dev.txt", "pytest==8.0\nruff>=0.5\nblack\n") == [
        Evidence(
            "env-declared",
            "requirements-dev.txt",
            2,
            "1 of 3 requirements pinned (`ruff>=0.5` is not)",
        )
    ]
    assert requirements_txt("requirements.txt", "# nothing yet\n") == []


def test_conda_environment_pins_with_one_or_two_equals():
    env = text("""
        name: churn
        dependencies:
          - python=3.11
          - pip
          - numpy=1.26.4=py311h
          - pip:
            - mlflow==2.17.0
        """)
    assert conda_environment("environment.yml", env) == [
        Evidence("env-pinned", "environment.yml", 3, "3 of 3 requirements pinned")
    ]
    loose = env.replace("mlflow==2.17.0", "mlflow")
    assert conda_environment("environment.yml", loose) == [
        Evidence(
            "env-declared", "environment.yml", 7, "2 of 3 requirements pinned (`mlflow` is not)"
        )
    ]


def test_pyproject_dependencies_poetry_and_checker_tables():
    assert (
        pyproject(
            "pyproject.toml",
            text("""
        [tool.poetry.dependencies]
        python = "^3.10"
        pandas = "2.2.3"
        numpy = "^1.26"

        [tool.ruff]
        line-length = 100
        """),
        )
        == [
            Evidence(
                "env-declared",
                "pyproject.toml",
                1,
                "1 of 2 requirements pinned (`numpy^1.26` is not)",
            ),
            Evidence("lint-config", "pyproject.toml", 6, "[tool.ruff]"),
        ]
    )


def test_setup_cfg_install_requires_and_flake8():
    assert (
        setup_cfg(
            "setup.cfg",
            text("""
        [options]
        install_requires =
            pandas>=2
        [flake8]
        max-line-length = 100
        """),
        )
        == [
            Evidence(
                "env-declared", "setup.cfg", 2, "0 of 1 requirement pinned (`pandas>=2` is not)"
            ),
            Evidence("lint-config", "setup.cfg", 4, "[flake8]"),
        ]
    )


def test_pre_commit_hooks_and_pre_commit_ci():
    config = text("""
        ci:
          autofix_prs: false
        repos:
          - repo: https://github.com/astral-sh/ruff-pre-commit
            rev: v0.6.0
            hooks:
              - id: ruff
              - id: ruff-format
          - repo: local
            hooks:
              - id: nbprod-lint
                name: nbprod lint
                entry: nbprod lint
                language: system
        """)
    assert pre_commit_config(".pre-commit-config.yaml", config) == [
        Evidence(
            "pre-commit-config",
            ".pre-commit-config.yaml",
            7,
            "hooks: ruff, ruff-format, nbprod-lint",
        ),
        Evidence("pre-commit-ci", ".pre-commit-config.yaml", 1, "pre-commit.ci runs the hooks"),
    ]
    assert pre_commit_config(".pre-commit-config.yaml", "repos: []\n") == []


def test_lfs_patterns_and_dockerfile():
    assert gitattributes(
        ".gitattributes",
        "*.ipynb diff=jupyternotebook\n" "data/** filter=lfs diff=lfs merge=lfs -text\n",
    ) == [Evidence("data-lfs", ".gitattributes", 2, "Git LFS stores `data/**`")]
    assert (
        dockerfile(
            "Dockerfile",
            text("""
        FROM python:3.11-slim@sha256:0123
        CMD ["gunicorn", "app:server"]
        """),
        )
        == [
            Evidence(
                "env-declared",
                "Dockerfile",
                1,
                "container image `python:3.11-slim@sha256:0123` (pinned by digest)",
            ),
            Evidence("serving-code", "Dockerfile", 2, "container serves a model or an API"),
        ]
    )


def test_console_scripts_from_the_three_packaging_files():
    scripts = entry_points("pyproject.toml", '[project.scripts]\nchurn = "churn.cli:main"\n')
    assert [(e.name, e.module, e.line) for e in scripts] == [("churn", "churn.cli", 2)]
    cfg = "[options.entry_points]\nconsole_scripts =\n    churn-train = churn.train:main\n"
    assert [(e.name, e.module, e.line) for e in entry_points("setup.cfg", cfg)] == [
        ("churn-train", "churn.train", 3)
    ]
    setup = 'setup(entry_points={"console_scripts": ["fit=pkg.fit:run"]})\n'
    assert [(e.name, e.module) for e in entry_points("setup.py", setup)] == [("fit", "pkg.fit")]


def test_hits_resolve_imports_at_any_depth():
    import ast

    tree = ast.parse(text("""
        import numpy as np
        from sklearn.ensemble import RandomForestClassifier


        def train(X, y, seed):
            import mlflow
            np.random.seed(seed)
            clf = RandomForestClassifier(random_state=42).fit(X, y)
            mlflow.log_metric("n", len(X))
            client.transition_model_version_stage("churn", 1, "Production")
        """))
    found = [(h.practice, h.line, h.text) for h in hits(tree, aliases([tree]))]
    assert found == [
        ("seed", 5, "def train(..., seed)"),
        ("train", 5, "def train"),
        ("seed", 7, "numpy.random.seed"),
        ("seed", 8, "random_state=42"),
        ("train", 8, "RandomForestClassifier(random_state=42).fit"),
        ("tracking", 9, "mlflow.log_metric"),
        ("registry", 10, "client.transition_model_version_stage"),
    ]


def test_project_index_resolves_src_layout_relative_imports_and_python_m():
    modules = {
        path: module_facts(path, text(source))
        for path, source in {
            "src/churn/__init__.py": "from .pipeline import run\n",
            "src/churn/__main__.py": "import sys\nfrom . import run\nrun(sys.argv[1:])\n",
            "src/churn/pipeline.py": "import pandas\nfrom ..churn import model\n\n"
            "def run(args):\n    return model.fit_it(args)\n",
            "src/churn/model.py": "def fit_it(args):\n    estimator.fit(args)\n",
            "tests/test_churn.py": "import churn\n\ndef test_run():\n    churn.run([])\n",
            "scripts/helper.py": "print('hello')\n",
        }.items()
    }
    index = ProjectIndex(modules)
    assert index.dotted_names("src/churn/model.py") == ["src.churn.model", "churn.model"]
    assert index.dotted_names("scripts/helper.py") == ["scripts.helper", "helper"]
    assert index.module_file("churn") == "src/churn/__main__.py"
    assert list(index.reach("tests/test_churn.py")) == [
        "tests/test_churn.py",
        "src/churn/__init__.py",
        "src/churn/pipeline.py",
        "src/churn/model.py",
    ]
    target, hit = index.first("tests/test_churn.py", "train")
    assert (target, hit.line, hit.text) == ("src/churn/model.py", 2, "estimator.fit")
    assert index.import_line("tests/test_churn.py", "src/churn/model.py") == 1
    assert index.first("src/churn/__main__.py", "parameters")[1].text == "sys.argv"
