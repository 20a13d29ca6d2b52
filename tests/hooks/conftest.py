"""Real git repositories with real pre-commit, wired to this checkout's hook definitions.

For a ``language: python`` hook pre-commit builds a virtualenv and pip-installs nbprod into it,
which would download; so each hook of the repository's ``.pre-commit-hooks.yaml`` is copied into a
``repo: local`` hook with ``language: system`` and everything else (entry, args, types_or,
require_serial, stages, ...) as published. It runs the nbprod installed in this interpreter, whose
bin directory goes first on PATH. ``end-of-file-fixer`` and ``trailing-whitespace`` come from the
``pre-commit-hooks`` package the same way, as its own ``.pre-commit-hooks.yaml`` defines them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, notebook_json, write_notebook

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent

#: pre-commit-hooks 6.0.0's definitions of the two fixers notebook hooks must not fight
FIXERS = {
    "end-of-file-fixer": {
        "id": "end-of-file-fixer",
        "name": "fix end of files",
        "entry": "end-of-file-fixer",
        "types": ["text"],
        "stages": ["pre-commit", "pre-push", "manual"],
    },
    "trailing-whitespace": {
        "id": "trailing-whitespace",
        "name": "trim trailing whitespace",
        "entry": "trailing-whitespace-fixer",
        "types": ["text"],
        "stages": ["pre-commit", "pre-push", "manual"],
    },
}

_STATUS = re.compile(
    r"^(?P<name>\S.*?)\.{3,}(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$"
)
#: what pre-commit says about a hook before its output
_HOOK_META = re.compile(r"^- (hook id: |exit code: |duration: |files were modified by this hook$)")
#: lines of pre-commit's own log and git's, which end a hook's output
_NOT_HOOK_OUTPUT = re.compile(r"^(\[(INFO|WARNING|ERROR)\] |error: failed to push )")


def published_hooks() -> dict[str, dict]:
    """The hooks of this repository's ``.pre-commit-hooks.yaml``, by id."""
    return {h["id"]: h for h in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))}


def local_hook(hook_id: str) -> dict:
    """A published hook (or a fixer of FIXERS) as a ``repo: local`` hook run from this
    interpreter's environment."""
    hook = FIXERS.get(hook_id) or published_hooks()[hook_id]
    return {**{k: v for k, v in hook.items() if k != "description"}, "language": "system"}


@dataclass(frozen=True)
class HookRun:
    """What one pre-commit invocation printed, split per hook."""

    code: int
    output: str

    def status(self, name: str) -> str:
        return self._sections()[name][0]

    def body(self, name: str) -> str:
        """The hook's own output, without pre-commit's ``- hook id`` / ``- exit code`` lines."""
        lines = self._sections()[name][1]
        return "\n".join(line for line in lines if not _HOOK_META.match(line)).strip("\n") + "\n"

    def modified(self, name: str) -> bool:
        return "- files were modified by this hook" in self._sections()[name][1]

    def _sections(self) -> dict[str, tuple[str, list[str]]]:
        sections: dict[str, tuple[str, list[str]]] = {}
        current: list[str] | None = None
        for line in self.output.splitlines():
            match = _STATUS.match(line)
            if match:
                current = []
                sections[match["name"]] = (match["status"], current)
            elif _NOT_HOOK_OUTPUT.match(line):
                current = None
            elif current is not None:
                current.append(line)
        return sections


class GitRepo:
    """A git repository in a temporary directory, isolated from the machine's git config."""

    def __init__(self, root: Path, home: Path):
        self.root = root
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PRE_COMMIT_HOME": str(home / "pre-commit"),
            "PRE_COMMIT_COLOR": "never",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
        }
        self.env.pop("PRE_COMMIT", None)
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def run(self, *argv: str | Path, check: bool = False) -> HookRun:
        proc = subprocess.run(
            [str(a) for a in argv],
            check=False,
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        if check and proc.returncode:
            raise AssertionError(f"{argv} exited {proc.returncode}:\n{proc.stdout}")
        return HookRun(proc.returncode, proc.stdout)

    def git(self, *args: str | Path) -> HookRun:
        return self.run("git", *args, check=True)

    def install(self, *hook_ids: str, hook_types=("pre-commit",)) -> None:
        """Write ``.pre-commit-config.yaml`` with these hooks in this order, commit it, install."""
        config = {"repos": [{"repo": "local", "hooks": [local_hook(i) for i in hook_ids]}]}
        (self.root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        self.git("add", ".pre-commit-config.yaml")
        self.git("commit", "-q", "--no-verify", "-m", "pre-commit config")
        for hook_type in hook_types:
            self.run("pre-commit", "install", "--hook-type", hook_type, check=True)

    def notebook(self, name: str, *cells: str | dict, **metadata) -> Path:
        """Write a notebook as Jupyter does (indent 1, final newline); cells as in notebook_json."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_notebook(path, notebook_json(*cells, **metadata))

    def commit(self, *paths: str | Path, message: str = "change") -> HookRun:
        """``git add PATHS`` (nothing when none given), then a real ``git commit`` with hooks."""
        if paths:
            self.git("add", *paths)
        return self.run("git", "commit", "-m", message)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").output.strip()

    def status(self) -> str:
        return self.git("status", "--porcelain").output


def edit_cell(path: Path, index: int, source: str) -> None:
    """Change one cell's source the way Jupyter would save it (ids and metadata kept)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cells"][index]["source"] = source.splitlines(keepends=True)
    write_notebook(path, data)


@pytest.fixture
def git_repo(tmp_path) -> GitRepo:
    return GitRepo(tmp_path / "repo", tmp_path)
