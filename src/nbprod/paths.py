"""Where nbprod keeps things on disk: the user cache, and project directories kept out of git."""

from __future__ import annotations

import os
from pathlib import Path

_GITIGNORE = "# created by nbprod: nothing here is meant for git\n*\n"


def user_cache_dir(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/nbprod/...`` (``~/.cache/nbprod/...``): compiled schemas, fingerprints."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "nbprod", *parts)


def keep_out_of_git(directory: Path) -> None:
    """Create ``directory`` with a ``.gitignore`` of ``*`` so that users never commit it."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / ".gitignore"
    if not marker.exists():
        marker.write_text(_GITIGNORE, encoding="utf-8")
