"""Where a run came from: the kernel's environment, the git state, the notebook's content.

* :func:`environment` fingerprints the Python environment a kernel runs in (Python, platform,
  every installed distribution and its version). It is computed once per environment and cached
  on disk; the cache is trusted while the environment's site directories keep their mtimes
  (installing or removing a package changes them).
* :func:`git_state` is the commit and dirty flag of the repository holding the notebook.
* :func:`content_key` hashes what decides a run's result (the normalised code, the kernel, the
  parameters, the environment), so ``batch --resume`` can skip runs already done.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

#: defines ``fingerprint(path)``, run in the kernel's interpreter (or in this process when it is
#: the same one); ``path`` is the module search path a kernel of that interpreter starts with
_FINGERPRINT = r"""
def fingerprint(path):
    import os, platform
    from importlib import metadata
    path = [p for p in path if p]
    packages = {}
    for dist in metadata.distributions(path=path):
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name:
            packages.setdefault(name, dist.version)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": dict(sorted(packages.items())),
        "sites": sorted({os.path.realpath(p) for p in path if os.path.isdir(p)}),
    }
"""


def environment(command: list[str], cache_dir: Path | None = None) -> dict[str, Any]:
    """The fingerprint of the environment a kernel started by ``command`` runs in.

    Non-Python kernels are fingerprinted by their command and this machine's platform."""
    import platform

    exe = command[0] if command else ""
    if not Path(exe).name.startswith("python"):
        return _with_id({"kernel": command, "platform": platform.platform()})
    from nbprod.paths import user_cache_dir

    cache = (cache_dir or user_cache_dir()) / f"env-{_digest(os.path.realpath(exe))[:16]}.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached["stamp"] == _stamp(cached["fingerprint"]["sites"]):
            return cached["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    fingerprint = _with_id(_compute(exe))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        stamp = _stamp(fingerprint["sites"])
        tmp.write_text(json.dumps({"stamp": stamp, "fingerprint": fingerprint}), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only cache only costs the computation next time
    return fingerprint


def _compute(exe: str) -> dict[str, Any]:
    if os.path.realpath(exe) == os.path.realpath(sys.executable):
        namespace: dict[str, Any] = {}
        exec(compile(_FINGERPRINT, "<fingerprint>", "exec"), namespace)  # noqa: S102 - constant
        # without sys.path[0], this command's own directory (the current one for ``python -m``):
        # not the kernel's, and its mtime, part of the cache's stamp, changes with every file
        # created there
        return namespace["fingerprint"](sys.path if sys.flags.safe_path else sys.path[1:])
    code = _FINGERPRINT + "import json, sys\nprint(json.dumps(fingerprint(sys.path)))\n"
    try:
        done = subprocess.run(
            [exe, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        return json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return {"python": None, "error": f"cannot fingerprint {exe}: {exc}", "sites": []}


def _with_id(data: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in data.items() if k not in ("id", "sites")}
    return {**data, "id": _digest(json.dumps(body, sort_keys=True))[:16]}


def _stamp(sites: list[str]) -> dict[str, float]:
    stamp = {}
    for site in sites:
        try:
            stamp[site] = os.stat(site).st_mtime
        except OSError:
            stamp[site] = -1.0
    return stamp


def git_state(path: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git repository holding ``path``; (None, None) outside one."""
    folder = path if path.is_dir() else path.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if head.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head.stdout.strip(), bool(status.stdout.strip())


def sha256(text: str) -> str:
    return _digest(text)


def normalised_code(data: Mapping[str, Any]) -> str:
    """The code that runs: code cell sources (trailing blanks stripped) and their tags; outputs,
    execution counts, ids and other metadata do not change a run's result."""
    parts = []
    for cell in data.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines = [line.rstrip() for line in source.strip("\n").splitlines()]
        tags = sorted(t for t in (cell.get("metadata") or {}).get("tags", []) if isinstance(t, str))
        parts.append(json.dumps([tags, "\n".join(lines)]))
    return "\n".join(parts)


def content_key(code: str, kernel: str, parameters: Mapping[str, Any], env_id: str) -> str:
    """What decides a run's result, hashed."""
    body = json.dumps([code, kernel, dict(sorted(parameters.items())), env_id], sort_keys=True)
    return _digest(body)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
