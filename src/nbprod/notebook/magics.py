"""The Python view of a code cell: IPython syntax translated by IPython's own TransformerManager.

``python_view(source)`` returns a :class:`PythonView` with

* ``code``: valid Python (when the cell is) in which every magic, ``!shell`` line and ``obj?``
  is the ``get_ipython()`` call IPython itself would run, except that the bodies of
  Python-bodied magics (``%time``, ``%timeit``, ``%prun``, ``%%time``, ``%%timeit``,
  ``%%capture``, ``%%prun``) are unwrapped so their definitions stay visible to analysis;
* ``magics``: one :class:`Magic` per magic, classified by meaning (:data:`KINDS`);
* ``line_map``: the cell line (1-based) of every view line, and column shifts, so that any
  position in the view maps back to the cell (``to_cell``).

The transforms are applied one at a time (``do_one_token_transform``) so that the line map is
exact even when a magic spans continuation lines; a cell that tokenises completely has only its
logical lines holding IPython syntax transformed (see ``_token_transforms``).
"""

from __future__ import annotations

import ast
import re
import sys
import tokenize
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

#: IPython's default shell aliases: ``%ls``, ``%cat`` ... run the shell command of the same name
_SHELL_ALIASES = frozenset("cat cp ldir lf lk ll ls lx mkdir mv rm rmdir".split())
#: magic kind -> magic names (line or cell) of that kind; anything else is "other".
KINDS: dict[str, frozenset[str]] = {
    "display": frozenset(
        "matplotlib pylab load_ext reload_ext unload_ext config autoreload aimport precision "
        "xmode pprint colors autocall automagic gui".split()
    ),
    "python": frozenset("time timeit prun capture".split()),
    "shell": frozenset("system sx bang".split()) | _SHELL_ALIASES,
    "install": frozenset("pip conda mamba micromamba uv".split()),
    "environment": frozenset("env set_env cd pushd popd bookmark dhist".split()),
    "help": frozenset("pinfo pinfo2 psearch pdoc pdef psource pfile".split()),
    "foreign": frozenset(
        "bash sh script sql html HTML javascript js latex markdown svg perl ruby python2 "
        "python3 pypy writefile file sx system R julia".split()
    ),
    "include": frozenset("run load loadpy".split()),
}
_INSTALLERS = ("pip", "pip3", "conda", "mamba", "micromamba", "uv")
#: getopt-style option specs of Python-bodied magics (from IPython's own magics)
_OPTIONS = {"timeit": "n:r:tcp:qo", "prun": "D:l:rs:T:q", "time": "", "capture": ""}
#: Python-bodied magics whose definitions do not leak into the notebook namespace
LOCAL_BODY = frozenset({"timeit"})
#: the line magics of a Jupyter kernel (ipykernel's shell, IPython 8): with automagic, on by
#: default, a one-line cell starting with one of these names runs as that magic without its ``%``
AUTOMAGIC = _SHELL_ALIASES | frozenset(
    "alias alias_magic autoawait autocall automagic autosave bookmark cd clear colors conda "
    "config connect_info debug dhist dirs doctest_mode ed edit env gui hist history "
    "killbgscripts less load load_ext loadpy logoff logon logstart logstate logstop lsmagic "
    "macro magic man matplotlib more notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip "
    "popd pprint precision prun psearch psource pushd pwd pycat pylab qtconsole quickref recall "
    "rehashx reload_ext rep rerun reset reset_selective run save sc set_env sx system tb time "
    "timeit unalias unload_ext who who_ls whos xdel xmode".split()
)
_AUTOMAGIC_LINE = re.compile(r"([A-Za-z_]\w*)(.*)", re.S)


@dataclass(frozen=True)
class Magic:
    """One use of IPython syntax in a cell, classified by meaning.

    ``kind`` is one of :data:`KINDS` or ``other``; ``name`` the magic (``system`` and
    ``getoutput`` for ``!cmd`` and ``x = !cmd``; ``pinfo`` for ``obj?``); ``args`` its argument
    line (the command for shell escapes); ``line`` the cell line; ``target`` the assigned name
    (``files = !ls``) or ``%%capture``'s variable; ``body`` a cell magic's body."""

    kind: str
    name: str
    args: str
    line: int
    cell_magic: bool = False
    target: str | None = None
    body: str | None = None

    @property
    def text(self) -> str:
        """How the user wrote it, roughly (for messages)."""
        if self.name in ("system", "getoutput"):
            return f"!{self.args}"
        if self.name in ("pinfo", "pinfo2"):
            return f"{self.args}?"
        return ("%%" if self.cell_magic else "%") + f"{self.name} {self.args}".rstrip()

    @property
    def python_body(self) -> str:
        """For Python-bodied magics: the code they run (options stripped)."""
        return (
            self.body
            if self.cell_magic and self.body is not None
            else _strip_options(self.name, self.args)
        )


@dataclass(frozen=True)
class SyntaxProblem:
    message: str
    line: int  # cell line
    column: int


@dataclass(frozen=True)
class PythonView:
    code: str
    magics: tuple[Magic, ...]
    line_map: tuple[int, ...]  # view line i (0-based) -> cell line (1-based)
    col_shift: tuple[int, ...]  # characters removed at the start of view line i

    def to_cell(self, line: int, column: int = 1) -> tuple[int, int]:
        """Map a 1-based (line, column) in the view to the cell."""
        if not self.line_map:
            return (1, column)
        i = min(max(line - 1, 0), len(self.line_map) - 1)
        return (self.line_map[i], column + self.col_shift[i])

    @cached_property
    def _parsed(self) -> tuple[ast.Module | None, SyntaxProblem | None]:
        try:
            return ast.parse(self.code), None
        except SyntaxError as exc:
            line, col = self.to_cell(exc.lineno or 1, exc.offset or 1)
            return None, SyntaxProblem(exc.msg, line, col)
        except (ValueError, RecursionError) as exc:  # null bytes, absurd nesting
            return None, SyntaxProblem(str(exc), 1, 1)

    @property
    def tree(self) -> ast.Module | None:
        """The parsed view (None when the cell is not valid Python)."""
        return self._parsed[0]

    @property
    def syntax_error(self) -> SyntaxProblem | None:
        return self._parsed[1]

    @cached_property
    def nodes(self) -> tuple[ast.AST, ...]:
        """Every node of ``tree`` in ``ast.walk`` order (empty when the cell does not parse).

        Walked once and kept: lint's checks scan the same cells dozens of times."""
        return tuple(ast.walk(self.tree)) if self.tree is not None else ()

    @cached_property
    def _nodes_by_type(self) -> dict[type, tuple[ast.AST, ...]]:
        groups: dict[type, list[ast.AST]] = {}
        for node in self.nodes:
            groups.setdefault(type(node), []).append(node)
        return {kind: tuple(group) for kind, group in groups.items()}

    def nodes_of(self, *types: type[ast.AST]) -> tuple[ast.AST, ...]:
        """The nodes of exactly these types (``ast.Call``, ...), type by type, each in walk order."""
        index = self._nodes_by_type
        return tuple(node for kind in types for node in index.get(kind, ()))


@lru_cache(maxsize=1)
def _manager():
    """IPython's own TransformerManager.

    ``import IPython`` costs ≈0.4 s (its package ``__init__`` loads the terminal shell), while the
    module that holds the TransformerManager imports only the standard library. Unless IPython is
    already imported, load that one module file from the installed IPython by itself."""
    if "IPython" in sys.modules:
        from IPython.core.inputtransformer2 import TransformerManager
    else:
        import importlib.util

        spec = importlib.util.find_spec("IPython")
        assert spec is not None and spec.submodule_search_locations, "IPython is a dependency"
        path = Path(spec.submodule_search_locations[0]) / "core" / "inputtransformer2.py"
        name = "nbprod._ipython_inputtransformer2"
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        TransformerManager = module.TransformerManager
    return TransformerManager()


def kind_of(name: str, args: str = "", cell_magic: bool = False) -> str:
    """Classify a magic by meaning."""
    if name in ("system", "getoutput", "sx"):
        words = args.split()
        if words[:1] and words[0] in _INSTALLERS and "install" in words[1:3]:
            return "install"
        if words[:3] == ["python", "-m", "pip"] or words[:3] == ["python3", "-m", "pip"]:
            return "install"
        return "shell"
    if cell_magic and name in KINDS["foreign"]:
        return "foreign"
    for kind, names in KINDS.items():
        if name in names and kind != "foreign":
            return kind
    return "other"


def python_view(source: str) -> PythonView:
    """Build the Python view of a code cell's source (never raises)."""
    code = source if source.endswith("\n") else source + "\n"
    try:  # valid Python holds no IPython syntax: skip the token transforms
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        tree = None
    if tree is not None:
        n = code.count("\n")
        view = PythonView(code, (), tuple(range(1, n + 1)), (0,) * n)
        view.__dict__["_parsed"] = (tree, None)  # reuse the parse (cached_property slot)
        return view
    lines = code.splitlines(keepends=True)
    origin = list(range(1, len(lines) + 1))
    shift = [0] * len(lines)
    tm = _manager()
    for transform in tm.cleanup_transforms:
        new = transform(lines)
        if len(new) != len(lines):  # leading empty lines removed
            dropped = len(lines) - len(new)
            origin, shift = origin[dropped:], shift[dropped:]
        else:
            shift = [s + len(o) - len(n) for s, o, n in zip(shift, lines, new)]
        lines = new
    if len(lines) == 1 and _is_automagic(lines[0]):
        lines, shift = ["%" + lines[0]], [shift[0] - 1]
    return _body_view(lines, origin, shift)


def _is_automagic(line: str) -> bool:
    """Would a kernel run this one-line cell, which is not valid Python, as a line magic?

    IPython applies automagic only to a cell of one line (after its static transforms): the
    first word names a line magic and what follows is not an assignment (``pip install x``,
    ``ls data``, ``cd ..``, ``matplotlib inline``). A valid line such as ``pwd`` is taken as
    Python: whether a variable shadows the magic is only known at run time."""
    match = _AUTOMAGIC_LINE.match(line)
    if match is None or match.group(1) not in AUTOMAGIC:
        return False
    rest = match.group(2).lstrip()
    return not (rest[:1] in ("=", ",") and not rest.startswith("=="))


def _body_view(lines: list[str], origin: list[int], shift: list[int]) -> PythonView:
    """The view of (cleaned-up) cell lines: a cell magic with its body, or lines of code."""
    if lines and lines[0].startswith("%%"):
        return _cell_magic_view(lines, origin, shift)
    return _line_view(lines, origin, shift)


def _cell_magic_view(lines: list[str], origin: list[int], shift: list[int]) -> PythonView:
    first = lines[0][2:].strip()
    name, _, args = first.partition(" ")
    args = args.strip()
    body = "".join(lines[1:])
    kind = kind_of(name, args, cell_magic=True)
    target = (
        args.split()[0]
        if name == "capture" and args.split() and args.split()[0].isidentifier()
        else None
    )
    magic = Magic(kind, name, args, origin[0], cell_magic=True, target=target, body=body)
    if kind == "python":  # the body is a cell of its own: it may start with a cell magic
        inner = _body_view(lines[1:], origin[1:], shift[1:])
        return PythonView(inner.code, (magic, *inner.magics), inner.line_map, inner.col_shift)
    code = _manager().transform_cell("".join(lines))
    n = max(code.count("\n"), 1)
    return PythonView(code, (magic,), (origin[0],) * n, (0,) * n)


def _line_view(lines: list[str], origin: list[int], shift: list[int]) -> PythonView:
    lines, origin, shift, changed = _token_transforms(lines, origin, shift)
    magics = []
    for i, line in enumerate(lines):
        if changed[i]:
            magic, unwrapped = _magic_from_line(line, origin[i])
            if magic is not None:
                magics.append(magic)
            if unwrapped is not None:
                lines[i] = unwrapped
    return PythonView("".join(lines), tuple(magics), tuple(origin), tuple(shift))


def _token_transforms(
    lines: list[str], origin: list[int], shift: list[int]
) -> tuple[list[str], list[int], list[int], list[bool]]:
    """IPython's token transforms of ``lines``, with the line map kept and changed lines marked.

    IPython retokenises the whole cell after each transform. When the cell tokenises completely,
    its logical lines are independent: only those holding IPython syntax are transformed, each
    on its own, which gives the same result at a fraction of the cost on long cells."""
    groups = _logical_lines(lines)
    if groups is None:
        return _stepwise(lines, origin, shift)
    out: tuple[list[str], list[int], list[int], list[bool]] = ([], [], [], [])
    for start, end, special in groups:
        part = (
            _stepwise(lines[start:end], origin[start:end], shift[start:end])
            if special
            else (lines[start:end], origin[start:end], shift[start:end], [False] * (end - start))
        )
        for whole, piece in zip(out, part):
            whole.extend(piece)
    return out


def _logical_lines(lines: list[str]) -> list[tuple[int, int, bool]] | None:
    """(first, end, holds IPython syntax) line ranges of each logical line; None when the cell
    does not tokenise to its end (an open string or bracket: then IPython's way is the only one)."""
    tm = _manager()
    tokenizer = sys.modules[type(tm).__module__]
    try:
        token_lines = tokenizer.make_tokens_by_line(lines)
    except Exception:  # a tokenizer error in an invalid cell
        return None
    if not token_lines or token_lines[-1][-1].type != tokenize.ENDMARKER:
        return None
    groups, start = [], 0
    for tokens in token_lines:
        end = min(tokens[-1].end[0], len(lines))
        special = any(t.find([tokens]) for t in tm.token_transformers)
        if end > start:
            groups.append((start, end, special))
            start = end
        elif special:
            return None
    if start < len(lines):
        groups.append((start, len(lines), False))
    return groups


def _stepwise(
    lines: list[str], origin: list[int], shift: list[int]
) -> tuple[list[str], list[int], list[int], list[bool]]:
    """IPython's own loop: apply the earliest transform, retokenise, until nothing changes."""
    tm = _manager()
    changed = [False] * len(lines)
    for _ in range(500):  # IPython's own TRANSFORM_LOOP_LIMIT
        try:
            did, new = tm.do_one_token_transform(lines)
        except Exception:  # a tokenizer error in an invalid cell: the parse will report it
            break
        if not did:
            break
        start = 0
        while start < min(len(lines), len(new)) and lines[start] == new[start]:
            start += 1
        consumed = len(lines) - len(new) + 1
        origin = origin[:start] + origin[start : start + 1] + origin[start + consumed :]
        shift = shift[:start] + [0] + shift[start + consumed :]
        changed = changed[:start] + [True] + changed[start + consumed :]
        lines = new
    return list(lines), list(origin), list(shift), changed


def _magic_from_line(line: str, cell_line: int) -> tuple[Magic | None, str | None]:
    """Read the ``get_ipython()`` call IPython wrote on a transformed line.

    Returns the Magic and, for Python-bodied line magics used as a statement, the line with the
    magic replaced by its body (same indentation)."""
    indent = line[: len(line) - len(line.lstrip())]
    try:
        stmt = ast.parse(line.strip()).body[0]
    except (SyntaxError, IndexError, ValueError):
        return None, None
    target = None
    call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        target = stmt.targets[0].id
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Call)
        and getattr(call.func.value.func, "id", None) == "get_ipython"
    ):
        return None, None
    method = call.func.attr
    strings = [
        a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    if method == "run_line_magic" and len(strings) >= 2:
        name, args = strings[0], strings[1]
    elif method in ("system", "getoutput") and strings:
        name, args = method, strings[0]
    else:
        return None, None
    magic = Magic(kind_of(name, args), name, args, cell_line, target=target)
    if magic.kind == "python" and isinstance(stmt, ast.Expr):
        return magic, indent + magic.python_body.strip() + "\n"
    return magic, None


def _strip_options(name: str, args: str) -> str:
    """Drop leading getopt-style options of a Python-bodied magic (``-n 10 -r 3 expr``)."""
    spec = _OPTIONS.get(name, "")
    rest = args.lstrip()
    while rest.startswith("-") and len(rest) > 1 and rest[1] in spec:
        flag = rest[1]
        takes_value = spec[spec.index(flag) + 1 : spec.index(flag) + 2] == ":"
        head, _, rest = rest.partition(" ")
        if takes_value and len(head) == 2:  # value in the next word: "-n 10"
            _, _, rest = rest.lstrip().partition(" ")
        rest = rest.lstrip()
    return rest
