"""Fixtures for the ``nbprod lint`` tests.

Every test works in its own temporary project directory (the working directory during the test),
so caches and fixes never touch the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.lint.lint_helpers import LINT_FIXTURES


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A fresh project directory (the working directory) with ``add(*fixture names)``."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)

    class Project:
        path = root

        def add(self, *names: str, to: str = ".") -> list[Path]:
            dest = root / to
            dest.mkdir(parents=True, exist_ok=True)
            out = []
            for name in names:
                src = LINT_FIXTURES / name
                target = dest / Path(name).name
                if src.is_dir():
                    shutil.copytree(src, target)
                else:
                    shutil.copyfile(src, target)
                out.append(target)
            return out

        def write(self, rel: str, text: str) -> Path:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path

        def snapshot(self) -> dict[str, bytes]:
            """Every file's bytes (outside the cache), to prove nothing was changed."""
            return {
                str(p.relative_to(root)): p.read_bytes()
                for p in sorted(root.rglob("*"))
                if p.is_file() and ".nbprod" not in p.parts and not p.is_symlink()
            }

    return Project()
