"""Literals lifted into the config, for notebooks without a papermill ``parameters`` cell.

Three kinds, each a small registry:

* the literal assignments at the top of the notebook (``DATA = "data.csv"``, ``N = 100``), up to
  the first statement that is anything else;
* seeds: ``np.random.seed(0)``, ``random.seed(0)``, ``default_rng(0)``, ``RandomState(0)``,
  ``torch.manual_seed(0)`` -> ``seed``;
* keyword literals in :data:`KEYWORDS` (``random_state=0``, ``test_size=0.2``...) -> a parameter
  of that name (one per distinct value: ``random_state``, ``random_state_2``);
* file paths given to readers and writers (:data:`PATH_FUNCTIONS`): a directory that is created
  or listed becomes ``<name>_dir`` and the files under it ``f"{<name>_dir}/file.csv"``; other files
  become ``<stem>_<suffix>`` (``data/bikes.csv`` -> ``bikes_csv``).

Collection (:func:`find_literals`) and rewriting (:func:`LiftLiterals`) are separate passes so
that one value gets one parameter across all cells.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import libcst as cst

from nbprod.extract.transforms.cst import code_of

KEYWORDS = frozenset({"random_state", "test_size", "train_size", "seed", "random_seed"})
SEED_CALLS = ("random.seed", "default_rng", "RandomState", "manual_seed", "set_seed")
PATH_FUNCTIONS = frozenset(
    "read_csv read_table read_excel read_json read_parquet read_feather read_hdf read_pickle "
    "read_sql read_fwf read_xml to_csv to_excel to_json to_parquet to_feather to_hdf to_pickle "
    "to_xml savefig open load save savez savez_compressed loadtxt savetxt genfromtxt fromfile "
    "makedirs mkdir listdir exists isdir isfile Path".split()
)
DIR_FUNCTIONS = frozenset({"makedirs", "mkdir", "listdir", "isdir"})
#: the runtime helpers that run shell commands (a lifted path in their command is replaced too)
SHELL_HELPERS = frozenset({"shell", "shell_lines"})
PATH_KEYWORDS = frozenset(
    {"path", "filepath_or_buffer", "path_or_buf", "fname", "file", "filename", "io"}
)
DATA_SUFFIXES = frozenset(
    ".csv .tsv .txt .json .jsonl .parquet .feather .xlsx .xls .h5 .hdf5 .pkl .pickle .npy .npz "
    ".png .jpg .svg .pdf .zip .gz .xml .yaml .yml .sqlite .db".split()
)


#: text a cell holds when it may contain a literal to lift (a cheap filter before parsing)
HINT = re.compile(r"seed|RandomState|default_rng|" + "|".join(sorted(KEYWORDS | PATH_FUNCTIONS)))


@dataclass
class Lifted:
    """A literal that became a config parameter."""

    name: str
    value: Any
    why: str  # "random_state=0", "file path", "top-of-notebook assignment"
    places: list[int] = field(default_factory=list)  # cell numbers

    @property
    def source(self) -> str:
        return repr(self.value)


@dataclass
class Literals:
    """Every literal found, and the parameters they become."""

    params: dict[str, Lifted] = field(default_factory=dict)  # name -> lifted
    keyword: dict[tuple[str, Any], str] = field(default_factory=dict)  # (kw, value) -> name
    seed: dict[Any, str] = field(default_factory=dict)  # value -> name
    path: dict[str, str] = field(default_factory=dict)  # literal -> replacement source

    @property
    def candidates(self) -> list[str]:
        """Text a cell must contain to hold one of these literals."""
        return [
            *{kw for kw, _ in self.keyword},
            *(["seed", "RandomState", "default_rng"] if self.seed else []),
            *self.path,
        ]


def top_assignments(cells: list[tuple[int, cst.Module]]) -> list[tuple[int, int, str, Any]]:
    """``(cell, statement index, name, value)`` of the literal assignments at the top."""
    found = []
    for cell, module in cells:
        for index, stmt in enumerate(module.body):
            literal = _literal_assignment(stmt)
            if literal is None:
                return found
            found.append((cell, index, *literal))
    return found


def _literal_assignment(stmt: cst.BaseStatement) -> tuple[str, Any] | None:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    assign = stmt.body[0]
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
        return None
    target = assign.targets[0].target
    value = _literal(assign.value)
    if not isinstance(target, cst.Name) or value is _MISSING or not _scalar(value):
        return None
    return target.value, value


def find_literals(cells: list[tuple[int, cst.Module]], fresh: Callable[[str], str]) -> Literals:
    """Collect the seeds, keyword literals and file paths of all cells and name their
    parameters (``fresh(base)`` returns an unused name)."""
    finder = _Finder()
    for cell, module in cells:
        finder.cell = cell
        module.visit(finder)
    out = Literals()
    for (kw, value), cells_ in finder.keywords.items():
        name = fresh(kw)
        out.keyword[(kw, value)] = name
        out.params[name] = Lifted(name, value, f"{kw}={value!r}", cells_)
    for value, cells_ in finder.seeds.items():
        name = fresh("seed")
        out.seed[value] = name
        out.params[name] = Lifted(name, value, f"seed {value!r}", cells_)
    dirs = {p for p in finder.paths if finder.paths[p][0]}
    dirs |= {d for d in finder.paths for p in finder.paths if _under(p, d)}
    for literal in sorted(dirs):
        base = PurePosixPath(literal).name or "data"
        name = fresh(_identifier(base) + "_dir")
        out.path[literal] = name
        out.params[name] = Lifted(name, literal, "directory", finder.paths[literal][1])
    for literal, (_, cells_) in sorted(finder.paths.items()):
        if literal in dirs:
            continue
        parent = next((d for d in sorted(dirs, key=len, reverse=True) if _under(literal, d)), None)
        if parent is not None:
            rest = literal[len(parent.rstrip("/")) + 1 :]
            out.path[literal] = (
                'f"{' + out.path[parent] + "}/" + rest.replace("{", "{{").replace("}", "}}") + '"'
            )
            continue
        pure = PurePosixPath(literal)
        suffix = pure.suffix.lstrip(".").lower()
        name = fresh(_identifier(pure.stem or "file") + (f"_{suffix}" if suffix else "_path"))
        out.path[literal] = name
        out.params[name] = Lifted(name, literal, "file path", cells_)
    return out


class _Finder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.cell = 0
        self.keywords: dict[tuple[str, Any], list[int]] = {}
        self.seeds: dict[Any, list[int]] = {}
        self.paths: dict[str, tuple[bool, list[int]]] = {}  # literal -> (is a directory, cells)

    def visit_Call(self, node: cst.Call) -> None:
        func = _dotted(node.func)
        for kw, value in _keyword_literals(node):
            self.keywords.setdefault((kw, value), []).append(self.cell)
        seed = _seed_literal(node, func)
        if seed is not _MISSING:
            self.seeds.setdefault(seed, []).append(self.cell)
        for _, literal in _path_args(node, func):
            is_dir, cells = self.paths.get(literal, (False, []))
            self.paths[literal] = (
                is_dir or func.split(".")[-1] in DIR_FUNCTIONS,
                [*cells, self.cell],
            )


class LiftLiterals(cst.CSTTransformer):
    """Replace the literals found by :func:`find_literals` with their parameters."""

    def __init__(self, literals: Literals):
        self.literals = literals

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func = _dotted(updated.func)
        if func in SHELL_HELPERS:
            return self._shell_command(updated)
        args = list(updated.args)
        changed = False
        for i, arg in enumerate(args):
            new = self._replacement(updated, func, i, arg)
            if new is not None:
                args[i] = arg.with_changes(value=cst.parse_expression(new))
                changed = True
        return updated.with_changes(args=args) if changed else updated

    def _shell_command(self, call: cst.Call) -> cst.Call:
        """``shell("ls out/sales")`` -> ``shell(f"ls {sales_dir}")`` when ``out/sales`` was lifted."""
        if not call.args or not isinstance(call.args[0].value, cst.SimpleString):
            return call
        words = call.args[0].value.evaluated_value.split(" ")
        names = {
            literal: name for literal, name in self.literals.path.items() if name.isidentifier()
        }
        if not any(w in names for w in words):
            return call
        text = " ".join(
            "{" + names[w] + "}" if w in names else w.replace("{", "{{").replace("}", "}}")
            for w in words
        )
        fstring = cst.parse_expression("f" + repr(text))
        return call.with_changes(args=[call.args[0].with_changes(value=fstring), *call.args[1:]])

    def _replacement(self, call: cst.Call, func: str, index: int, arg: cst.Arg) -> str | None:
        value = _literal(arg.value)
        if value is _MISSING:
            return None
        if arg.keyword is not None and (arg.keyword.value, value) in self.literals.keyword:
            return self.literals.keyword[(arg.keyword.value, value)]
        if index == 0 and arg.keyword is None and _seed_literal(call, func) is not _MISSING:
            return self.literals.seed.get(value)
        if isinstance(value, str) and any(i == index for i, _ in _path_args(call, func)):
            return self.literals.path.get(value)
        return None


# -- helpers ---------------------------------------------------------------------------------------

_MISSING = object()


def _literal(node: cst.BaseExpression) -> Any:
    if not isinstance(
        node, (cst.Integer, cst.Float, cst.SimpleString, cst.Name, cst.UnaryOperation)
    ):
        return _MISSING
    try:
        return ast.literal_eval(code_of(node).strip())
    except (ValueError, SyntaxError):
        return _MISSING


def _scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str))


def _dotted(node: cst.BaseExpression) -> str:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    return ".".join(reversed(parts))


def _keyword_literals(call: cst.Call):
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in KEYWORDS:
            value = _literal(arg.value)
            if (
                value is not _MISSING
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
            ):
                yield arg.keyword.value, value


def _seed_literal(call: cst.Call, func: str) -> Any:
    if not func.endswith(SEED_CALLS) or not call.args or call.args[0].keyword is not None:
        return _MISSING
    value = _literal(call.args[0].value)
    return value if isinstance(value, int) and not isinstance(value, bool) else _MISSING


def _path_args(call: cst.Call, func: str):
    """``(argument index, literal)`` of the file-path literals passed to a reader or writer."""
    if func.split(".")[-1] not in PATH_FUNCTIONS:
        return
    for i, arg in enumerate(call.args):
        positional_first = i == 0 and arg.keyword is None
        if not positional_first and (arg.keyword is None or arg.keyword.value not in PATH_KEYWORDS):
            continue
        value = _literal(arg.value)
        if isinstance(value, str) and _looks_like_path(value):
            yield i, value


def _looks_like_path(text: str) -> bool:
    if "://" in text or not text.strip() or "\n" in text or text in (".", "./", "/"):
        return False
    return "/" in text or PurePosixPath(text).suffix.lower() in DATA_SUFFIXES


def _under(path: str, directory: str) -> bool:
    return path != directory and path.startswith(directory.rstrip("/") + "/")


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_").lower()
    return name if name and not name[0].isdigit() else f"p_{name}"
