"""YAML read as nodes that keep their line numbers (run's parameter and grid files, assess's CI
files), with syntax errors turned into one value that says where and what."""

from __future__ import annotations

from typing import Any


class YamlSyntaxError(ValueError):
    """``str()`` is ``invalid YAML at line N: problem``; ``line`` may be None."""

    def __init__(self, line: int | None, problem: str):
        self.line, self.problem = line, problem
        where = f" at line {line}" if line is not None else ""
        super().__init__(f"invalid YAML{where}: {problem}")


def compose(text: str) -> Any:
    """The document's root node (None for an empty document), or :class:`YamlSyntaxError`."""
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlSyntaxError(mark.line + 1 if mark is not None else None, problem) from None
