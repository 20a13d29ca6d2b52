"""Read a ``.ipynb`` file into a :class:`Notebook`, or fail with one clear :class:`LoadError`.

nbformat 4 files are parsed with the standard ``json`` module and validated against nbformat's own
JSON schema for their minor version (compiled once with ``fastjsonschema`` and cached on disk):
``import nbformat`` costs up to 1.3 s in a data-science environment, far too much for a lint hook.
nbformat 3 files are upgraded in memory as nbformat upgrades them (``upgrade.py``, without importing
nbformat). Nothing is ever written back.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from nbprod.notebook.model import Cell, Notebook
from nbprod.paths import user_cache_dir


class LoadError(Exception):
    """A file that could not be read as a notebook. ``str()`` is the one-line user message."""

    def __init__(self, path: Path | str, reason: str, kind: str = "not a valid notebook"):
        self.path = Path(path)
        self.reason = reason
        self.kind = kind
        super().__init__(f"{path}: {kind}: {reason}")


def load_notebook(path: Path | str) -> Notebook:
    """Read, validate and model the notebook at ``path``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise LoadError(path, "is a directory", "cannot read") from None
    except OSError as exc:
        raise LoadError(path, exc.strerror or str(exc), "cannot read") from None
    return loads_notebook(raw, path)


def loads_notebook(raw: bytes | str, path: Path | str = "<notebook>") -> Notebook:
    """Model a notebook from its bytes (or text); ``path`` is used for messages only."""
    path = Path(path)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(path, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    else:
        text = raw
    if not text.strip():
        raise LoadError(path, "empty file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict):
        raise LoadError(path, "the top level is not a JSON object")
    major = data.get("nbformat")
    if major == 4:
        _validate(data, path)
        minor = data.get("nbformat_minor", 0)
    elif major == 3:
        data, minor = _upgrade_v3(data, path), 0
    elif major is None:
        raise LoadError(path, "missing 'nbformat' (is this a Jupyter notebook?)")
    else:
        raise LoadError(path, f"unsupported nbformat {major!r} (nbprod reads 3 and 4)")
    return Notebook(
        path=path,
        text=text,
        data=data,
        cells=tuple(_cell(i, c) for i, c in enumerate(data["cells"])),
        nbformat=major,
        nbformat_minor=minor,
    )


def _cell(index: int, raw: dict[str, Any]) -> Cell:
    source = raw.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    metadata = raw.get("metadata") or {}
    tags = metadata.get("tags") or ()
    return Cell(
        index=index,
        id=raw.get("id") or f"cell-{index + 1}",
        has_id="id" in raw,
        cell_type=raw.get("cell_type", "raw"),
        source=source,
        tags=tuple(t for t in tags if isinstance(t, str)),
        outputs=tuple(raw.get("outputs") or ()),
        execution_count=raw.get("execution_count"),
        metadata=metadata,
    )


def _upgrade_v3(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Upgrade an nbformat 3 notebook to nbformat 4.0 in memory (``upgrade.py``), then validate it
    like a v4 file. A v3 notebook is not validated against the v3 schema: whatever the upgrade
    cannot read, or the v4 schema rejects, is the one-line reason."""
    from nbprod.notebook.upgrade import upgrade_v3

    try:
        upgraded = upgrade_v3(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a malformed v3 file
        key = exc.args[0] if isinstance(exc, KeyError) and exc.args else None
        if isinstance(key, str):
            raise LoadError(path, f"nbformat 3: missing key {key!r}") from None
        reason = str(exc) if isinstance(exc, ValueError) else _first_line(exc)
        raise LoadError(path, f"nbformat 3: unexpected structure: {reason}") from None
    _validate(upgraded, path)
    return upgraded


# -- schema validation ---------------------------------------------------------------------------

_validators: dict[str, Callable[[Any], Any]] = {}


def _validate(data: dict[str, Any], path: Path) -> None:
    import fastjsonschema

    minor = data.get("nbformat_minor")
    if not isinstance(minor, int):
        raise LoadError(path, "missing or non-integer 'nbformat_minor'")
    if "cells" not in data:
        raise LoadError(path, "missing 'cells'")
    try:
        _validator(min(max(minor, 0), 5))(data)
    except fastjsonschema.JsonSchemaException as exc:
        where = "notebook" if exc.name in (None, "data") else exc.name.removeprefix("data.")
        raise LoadError(path, f"{where}: {_first_line(exc.message)}") from None


def _validator(minor: int) -> Callable[[Any], Any]:
    """The compiled validator for nbformat 4.<minor>, from nbformat's schema file.

    The generated validator code is cached in the user cache directory keyed by the schema's
    content, so only the first run on a machine pays for generating it (≈0.1 s per version), and
    so is its bytecode (per Python version: compiling the source costs ≈0.05 s per version, and
    ``PYTHONDONTWRITEBYTECODE`` environments would pay it on every run)."""
    if minor in _validators:
        return _validators[minor]
    import hashlib
    import importlib.util
    import marshal

    spec = importlib.util.find_spec("nbformat")
    assert spec is not None and spec.origin is not None, "nbformat is a dependency of nbprod"
    schema_file = Path(spec.origin).parent / "v4" / f"nbformat.v4.{minor}.schema.json"
    schema_text = schema_file.read_text(encoding="utf-8")
    digest = hashlib.sha256(schema_text.encode()).hexdigest()[:16]
    cache = user_cache_dir() / f"nbformat-v4.{minor}-{digest}.py"
    compiled = cache.with_name(f"{cache.stem}.{sys.implementation.cache_tag}.bin")
    magic = importlib.util.MAGIC_NUMBER
    try:
        blob = compiled.read_bytes()
        if not blob.startswith(magic):
            raise ValueError("stale bytecode")
        code = marshal.loads(blob[len(magic) :])
    except (OSError, ValueError, EOFError, TypeError):
        try:
            source = cache.read_text(encoding="utf-8")
        except OSError:
            import fastjsonschema

            source = fastjsonschema.compile_to_code(json.loads(schema_text))
            _write_atomic(cache, source.encode("utf-8"))
        code = compile(source, str(cache), "exec")
        _write_atomic(compiled, magic + marshal.dumps(code))
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - code generated from nbformat's own schema
    _validators[minor] = namespace["validate"]
    return _validators[minor]


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a cache file; a read-only home only costs the work again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass




def _first_line(exc: BaseException | str) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
