"""The files of a repository as ``nbprod assess`` sees them: the only module that touches disk.

:func:`open_repository` lists the files (``git ls-files`` in a git work tree, so ``.gitignore`` is
respected; otherwise a walk that skips virtualenvs, caches and build output) and reads what git
says about the history. Git is only ever asked read-only questions. :meth:`Repository.text` reads a
file once; a file that cannot be read becomes one line in :attr:`Repository.problems`.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from nbprod.lint.discover import SKIP_DIRS

#: directories never listed when walking a directory that is not a git work tree
WALK_SKIP = SKIP_DIRS | {"build", "dist", "site-packages", ".eggs"}
#: DVC's own data directories (its ``config`` is evidence; its cache is not)
DVC_SKIP = frozenset({"cache", "tmp"})
#: larger files are not read (notebooks may carry big outputs: they get more room)
MAX_BYTES = {".ipynb": 64_000_000}
DEFAULT_MAX_BYTES = 2_000_000


class RepositoryError(Exception):
    """The path cannot be assessed; ``str()`` is the one-line message."""


@dataclass(frozen=True)
class Git:
    """What git says: commits on HEAD and the files it tracks (relative to the assessed root)."""

    commits: int
    tracked: frozenset[str]


@dataclass
class Repository:
    root: Path
    files: tuple[str, ...]  # posix paths relative to root, sorted
    git: Git | None
    problems: list[str] = field(default_factory=list)
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)

    def matching(self, *patterns: str) -> list[str]:
        """The files matching any of ``patterns`` (see :func:`matches`), in order."""
        return [f for f in self.files if any(matches(f, p) for p in patterns)]

    def raw(self, rel: str) -> bytes | None:
        """The bytes of a file, or None (and a problem line) when it cannot be read."""
        path = self.root / rel
        limit = MAX_BYTES.get(path.suffix.lower(), DEFAULT_MAX_BYTES)
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read
                self.problems.append(f"{rel}: cannot read: not a regular file")
                return None
            if info.st_size > limit:
                self.problems.append(f"{rel}: skipped: larger than {limit // 1_000_000} MB")
                return None
            return path.read_bytes()
        except OSError as exc:
            self.problems.append(f"{rel}: cannot read: {exc.strerror or exc}")
            return None

    def text(self, rel: str) -> str | None:
        """The text of a file (undecodable bytes replaced), read once."""
        if rel not in self._texts:
            raw = self.raw(rel)
            self._texts[rel] = None if raw is None else raw.decode("utf-8", errors="replace")
        return self._texts[rel]

    def texts(self, *patterns: str) -> list[tuple[str, str]]:
        """(path, text) of every readable file matching ``patterns``."""
        out = []
        for rel in self.matching(*patterns):
            text = self.text(rel)
            if text is not None:
                out.append((rel, text))
        return out


def matches(path: str, pattern: str) -> bool:
    """A pattern without ``/`` matches a file name anywhere (``requirements*.txt``); one with ``/``
    matches the whole path, segment by segment (``.github/workflows/*.yml``)."""
    if "/" not in pattern:
        return fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(map(fnmatchcase, parts, wanted))


def open_repository(path: Path | str) -> Repository:
    """List the files under ``path`` (a directory) and ask git about it."""
    root = Path(path)
    if not root.exists():
        raise RepositoryError(f"{path}: cannot read: No such file or directory")
    if not root.is_dir():
        raise RepositoryError(f"{path}: cannot assess: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise RepositoryError(f"{path}: cannot read: Permission denied")
    problems: list[str] = []
    git = _git_files(root, problems)
    if git is None:
        files = sorted(_walk(root))
        info = None
    else:
        listed, tracked, commits = git
        skipped = _SkippedDirs(root)
        files = sorted(f for f in listed if not skipped(f) and (root / f).is_file())
        info = Git(commits, frozenset(tracked))
    return Repository(root, tuple(files), info, problems)


def _skip(parent: str, name: str) -> bool:
    """Whether the directory ``parent/name`` (absolute) holds no project files: a virtualenv,
    a cache, build output, DVC's own cache."""
    return (
        name in WALK_SKIP
        or name.endswith(".egg-info")
        or os.path.exists(os.path.join(parent, name, "pyvenv.cfg"))
        or (os.path.basename(parent) == ".dvc" and name in DVC_SKIP)
    )


class _SkippedDirs:
    """Whether a listed file lies in a skipped directory (git lists a committed virtualenv too)."""

    def __init__(self, root: Path):
        self.root = str(root)
        self.known: dict[str, bool] = {}

    def __call__(self, rel: str) -> bool:
        parts = rel.split("/")[:-1]
        for i in range(len(parts)):
            key = "/".join(parts[: i + 1])
            if key not in self.known:
                parent = os.path.join(self.root, *parts[:i])
                self.known[key] = _skip(parent, parts[i])
            if self.known[key]:
                return True
        return False


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, env=env, check=False
    )


def _git_files(root: Path, problems: list[str]) -> tuple[list[str], list[str], int] | None:
    """(listed files, tracked files, commits) when ``root`` is in a git work tree, else None."""
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
    except OSError:
        if (root / ".git").exists():
            problems.append(f"{root}: git is not installed: the history was not read")
        return None
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        message = inside.stderr.decode(errors="replace").strip().splitlines()
        if message and "not a git repository" not in message[0]:
            problems.append(f"{root}: git: {message[-1].removeprefix('fatal: ')}")
        return None
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    tracked = _git(root, "ls-files", "-z", "--cached")
    count = _git(root, "rev-list", "--count", "HEAD")
    commits = int(count.stdout) if count.returncode == 0 and count.stdout.strip() else 0

    def split(out: bytes) -> list[str]:
        return [p for p in out.decode("utf-8", errors="replace").split("\0") if p]

    return split(listed.stdout), split(tracked.stdout), commits


def _walk(root: Path):
    for current, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not _skip(current, d) and not os.path.islink(os.path.join(current, d))
        )
        base = Path(current).relative_to(root)
        for name in names:
            yield (base / name).as_posix()
