"""A content-addressed cache of lint results, like ruff's.

The key of a file's entry is a sha256 of: the file's bytes, nbprod's version, the rule catalogue
and the code that checks it (``rules/*.toml``, ``nbprod/lint``, ``nbprod/notebook``), and the
settings that apply to the file (its selected codes and their options). A changed byte, rule,
check or option is a miss; a touched file (same bytes, new mtime), a renamed or copied file is a
hit. The entry holds the file's diagnostics, so a hit prints without loading the notebook model;
their physical positions are there when the run's format shows them (the key says which). Load errors and crashed checks are never cached.

Entries live in ``.nbprod/cache/lint/`` under the project root, one JSON file per key, written
atomically. ``.nbprod/`` gets a ``.gitignore`` holding ``*`` and the cache a ``CACHEDIR.TAG``, so
neither git nor backup tools pick them up. Deleting the directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from nbprod.paths import keep_out_of_git
from nbprod.report import Diagnostic

CACHE_DIR = Path(".nbprod") / "cache" / "lint"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by nbprod (nbprod lint's cache).\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of nbprod's version, the rule catalogue, and the checks and model sources."""
    from nbprod import __version__
    from nbprod.lint.registry import rules_dir

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    for folder, suffix in (
        (rules_dir(), ".toml"),
        (package / "lint", ".py"),
        (package / "lint" / "checks", ".py"),
        (package / "notebook", ".py"),
    ):
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(suffix))
        except OSError:
            continue
        for name in names:
            digest.update(name.encode())
            digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def entry_key(raw: bytes, settings_fingerprint: str) -> str:
    """The cache key of a file's bytes under the given settings."""
    digest = hashlib.sha256(raw).hexdigest()
    blob = f"{code_fingerprint()}\0{settings_fingerprint}\0{digest}"
    return hashlib.sha256(blob.encode()).hexdigest()


class LintCache:
    """The cache of one project root."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.dir = self.root / CACHE_DIR

    def get(self, key: str, path: str) -> list[Diagnostic] | None:
        """The cached diagnostics of ``key``, placed in ``path`` (None: a miss)."""
        try:
            with open(self.dir / f"{key}.json", "rb") as fh:
                entries = json.load(fh)
            return [Diagnostic.from_dict({**e, "path": path}) for e in entries]
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, diagnostics: Iterable[Diagnostic]) -> None:
        """Store diagnostics (without their path); a read-only project only loses the cache."""
        entries = []
        for d in diagnostics:
            entry = d.to_dict()
            del entry["path"]
            entries.append(entry)
        try:
            self._prepare()
            target = self.dir / f"{key}.json"
            tmp = target.with_name(f".{key}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entries, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass

    def _prepare(self) -> None:
        if self.dir.is_dir():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        keep_out_of_git(self.root / ".nbprod")
        tag = self.root / ".nbprod" / "cache" / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(CACHEDIR_TAG, encoding="utf-8")
