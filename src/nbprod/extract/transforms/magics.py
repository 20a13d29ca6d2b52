"""Magics by meaning: each ``get_ipython()`` call of a cell's Python view becomes plain Python.

The notebook model's view has already turned every magic into the call IPython itself would run
(and unwrapped ``%time``/``%%time``/``%%capture``/``%timeit``/``%prun`` to their Python body).
This transformer rewrites those calls, by the registry :data:`TRANSLATIONS` (magic name ->
translation) and the magic's kind for the rest:

* display magics (``%matplotlib``, ``%load_ext``, ``%config``...) are dropped;
* ``!cmd`` -> ``shell(f"cmd")``, ``x = !cmd`` -> ``x = shell_lines(f"cmd")`` (IPython's ``{var}``
  and ``$var`` expansion becomes an f-string);
* ``%cd``, ``%env``, ``%set_env``, ``%pwd`` -> explicit ``os`` calls;
* ``!pip install``/``%pip``/``%conda`` -> requirements of the package, never executed;
* ``%%capture name`` -> ``with capture_output() as name:`` around the cell (by
  :func:`wrap_in_capture`, once the cell's imports are hoisted);
* anything else (``obj?``, ``%%bash``, ``%%sql``, ``%run``, unknown magics) is refused with a
  located problem; with ``--allow-partial`` it is dropped.
"""

from __future__ import annotations

import re
import shlex
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from nbprod.extract.problems import Log
from nbprod.notebook.magics import Magic, PythonView, kind_of


@dataclass
class Translation:
    """How one magic call is replaced: by an expression, by statements, or by nothing."""

    expression: str | None = None  # usable wherever the call was (also as a statement)
    statements: str | None = None  # only where the call was a whole statement
    helpers: tuple[str, ...] = ()  # runtime helpers used (nbprod.extract.runtime)
    requirements: tuple[str, ...] = ()  # packages installed by the magic
    note: str = ""
    refusal: str = ""


@dataclass
class MagicResult:
    module: cst.Module
    helpers: set[str] = field(default_factory=set)
    requirements: list[str] = field(default_factory=list)
    capture: str | None = None  # ``%%capture name``: wrap the cell with :func:`wrap_in_capture`


Translator = Callable[[Magic, "Expander"], Translation]


def translate_magics(
    module: cst.Module, view: PythonView, cell: int, log: Log, names: frozenset[str]
) -> MagicResult:
    """Rewrite the magic calls of one cell (``names``: notebook names, for ``{var}`` expansion)."""
    result = MagicResult(module)
    if not view.magics:
        return result
    transformer = _MagicTransformer(view, cell, log, Expander(names), result)
    module = module.visit(transformer)
    capture = next((m for m in view.magics if m.name == "capture" and m.target), None)
    if capture is not None:  # wrapped by the caller, after the cell's imports are hoisted
        result.capture = capture.target
        result.helpers.add("capture_output")
        log.note(cell, capture.line, "magic", f"{capture.text} -> with capture_output() as ...")
    for magic in transformer.pending:  # not a call in the view: a body IPython's view unwrapped
        if magic.kind == "python" and not (magic.name == "capture" and magic.target):
            log.note(cell, magic.line, "magic", f"{magic.text.split(' ')[0]}: kept its Python body")
    result.module = module
    return result


class _MagicTransformer(cst.CSTTransformer):
    def __init__(self, view: PythonView, cell: int, log: Log, expand: Expander, out: MagicResult):
        self.pending = list(view.magics)
        self.cell, self.log, self.expand, self.out = cell, log, expand, out
        self.statement_only: dict[int, tuple[Magic, Translation]] = {}

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        found = _magic_call(updated)
        if found is None:
            return updated
        magic = self._take(*found)
        translation = translate(magic, self.expand)
        if translation.refusal:
            self.log.refuse(self.cell, magic.line, 1, translation.refusal)
        elif translation.note:
            self.log.note(self.cell, magic.line, "magic", translation.note)
        self.out.helpers.update(translation.helpers)
        self.out.requirements.extend(translation.requirements)
        if translation.refusal:  # extraction refuses, or drops it with --allow-partial
            self.statement_only[id(updated)] = (
                magic,
                Translation(statements="", refusal=translation.refusal),
            )
            return updated
        if translation.expression is not None:
            return cst.parse_expression(translation.expression)
        self.statement_only[id(updated)] = (magic, translation)
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel | cst.RemovalSentinel:
        body: list[cst.BaseSmallStatement] = []
        changed = False
        for small in updated.body:
            value = small.value if isinstance(small, cst.Expr) else None
            entry = self.statement_only.pop(id(value), None) if value is not None else None
            if entry is None:
                body.append(small)
                continue
            changed = True
            _, translation = entry
            if translation.statements:
                body.extend(cst.parse_module(translation.statements).body[0].body)
        for magic, translation in self.statement_only.values():  # used as a value: refuse
            if not translation.refusal:
                self.log.refuse(
                    self.cell, magic.line, 1, f"`{magic.text}` cannot be used as a value"
                )
        if self.statement_only:  # the value of a refused magic: None (dropped with --allow-partial)
            updated = updated.visit(_ReplaceCalls(set(self.statement_only)))
        self.statement_only.clear()
        if not changed:
            return updated
        if not body:
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(
            body=[s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for s in body]
        )

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock):
        if not updated.body:  # every statement of the block was a dropped magic
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated

    def _take(self, name: str, args: str) -> Magic:
        for i, magic in enumerate(self.pending):
            if magic.name == name:
                return self.pending.pop(i)
        return Magic(kind_of(name, args), name, args, 1)


class _ReplaceCalls(cst.CSTTransformer):
    def __init__(self, ids: set[int]):
        self.ids = ids

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        return cst.Name("None") if id(original) in self.ids else updated


def _magic_call(call: cst.Call) -> tuple[str, str] | None:
    """``get_ipython().run_line_magic('cd', 'x')`` -> ("cd", "x"); ``.system('ls')`` -> ("system",
    "ls"); ``.getoutput(...)``, ``.run_cell_magic(name, line, body)`` likewise."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Call)
        and isinstance(func.value.func, cst.Name)
        and func.value.func.value == "get_ipython"
    ):
        return None
    strings = [a.value.evaluated_value for a in call.args if isinstance(a.value, cst.SimpleString)]
    method = func.attr.value
    if method in ("run_line_magic", "run_cell_magic") and len(strings) >= 2:
        return strings[0], strings[1]
    if method in ("system", "getoutput") and strings:
        return method, strings[0]
    return method, ""


def wrap_in_capture(module: cst.Module, target: str) -> cst.Module:
    """``with capture_output() as target:`` around the whole cell."""
    with_stmt = cst.With(
        items=[
            cst.WithItem(
                cst.parse_expression("capture_output()"),
                asname=cst.AsName(cst.Name(target)),
            )
        ],
        body=cst.IndentedBlock(body=list(module.body) or [cst.SimpleStatementLine([cst.Pass()])]),
    )
    return module.with_changes(body=[with_stmt])


# -- the registry ----------------------------------------------------------------------------------


def translate(magic: Magic, expand: Expander) -> Translation:
    """The translation of one magic: by name first, then by kind."""
    translator = TRANSLATIONS.get(magic.name) or BY_KIND.get(magic.kind, _refuse)
    return translator(magic, expand)


def _drop(magic: Magic, expand: Expander) -> Translation:
    return Translation(statements="", note=f"{magic.text}: dropped (display only)")


def _refuse(magic: Magic, expand: Expander) -> Translation:
    reasons = {
        "help": "shows help, has no place in a pipeline",
        "foreign": "runs another language",
        "include": "runs or loads another file; inline its code in the notebook",
        "python": "its value (a timing or profile) has no plain-Python equivalent",
    }
    reason = reasons.get(magic.kind, "has no faithful plain-Python translation")
    return Translation(statements="", refusal=f"`{_short(magic.text)}` {reason}")


def _shell(magic: Magic, expand: Expander) -> Translation:
    # `!cmd`, `%sx cmd`; an alias magic (`%ls -l`) runs the command it is named after
    alias = magic.name not in ("system", "getoutput", "sx")
    command = expand(f"{magic.name} {magic.args}".strip() if alias else magic.args)
    if magic.name == "getoutput":
        note = f"`{_short(magic.text)}` -> shell_lines(...)"
        return Translation(
            expression=f"shell_lines({command})", helpers=("shell_lines",), note=note
        )
    note = f"`{_short(magic.text)}` -> shell(...)"
    return Translation(expression=f"shell({command})", helpers=("shell",), note=note)


def _install(magic: Magic, expand: Expander) -> Translation:
    words = shlex.split(magic.args, posix=True) if magic.args else []
    if magic.name not in ("system", "getoutput", "sx"):
        words = [magic.name, *words]
    found = tuple(requirements_of(words))
    note = f"`{_short(magic.text)}`: not executed; requirements: {' '.join(found) or '-'}"
    return Translation(statements="", requirements=found, note=note)


def requirements_of(words: list[str]) -> list[str]:
    """``pip install -q -U "pandas>=2" -i URL x`` -> ["pandas>=2", "x"]."""
    takes_value = {"-r", "-c", "-e", "-i", "-f", "-t", "--index-url", "--extra-index-url"}
    takes_value |= {"--find-links", "--target", "--requirement", "--constraint", "-n", "-p"}
    out, skip, seen_install = [], False, False
    for word in words:
        if skip:
            skip = False
        elif not seen_install:
            seen_install = word == "install"
        elif word in takes_value:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


def _cd(magic: Magic, expand: Expander) -> Translation:
    path = magic.args.strip()
    if path.startswith("-q "):
        path = path[3:].strip()
    if not path or path.startswith("-"):
        return _refuse(magic, expand)
    if len(path) > 1 and path[0] == path[-1] and path[0] in "'\"":
        path = path[1:-1]
    target = expand(path)
    if path.startswith("~"):
        target = f"os.path.expanduser({target})"
    return Translation(statements=f"os.chdir({target})\n", note=f"`{magic.text}` -> os.chdir(...)")


def _env(magic: Magic, expand: Expander) -> Translation:
    args = magic.args.strip()
    if "=" in args.split(" ", 1)[0]:
        name, _, value = args.partition("=")
    else:
        name, _, value = args.partition(" ")
    name, value = name.strip(), value.strip()
    if not name or (magic.name == "env" and not value and "=" not in args):
        return _drop(magic, expand)  # `%env` lists, `%env NAME` shows: display only
    if not name.isidentifier():
        return _refuse(magic, expand)
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    note = f"`{magic.text}` -> os.environ[...] = ..."
    return Translation(statements=f"os.environ[{name!r}] = {expand(value)}\n", note=note)


def _pwd(magic: Magic, expand: Expander) -> Translation:
    return Translation(expression="os.getcwd()", note="`%pwd` -> os.getcwd()")


BY_KIND: dict[str, Translator] = {
    "display": _drop,
    "shell": _shell,
    "install": _install,
}
#: magic name -> translation (takes precedence over the kind)
TRANSLATIONS: dict[str, Translator] = {
    "cd": _cd,
    "env": _env,
    "set_env": _env,
    "pwd": _pwd,
    **{name: _drop for name in "who whos who_ls lsmagic history hist magic quickref".split()},
}


# -- IPython's variable expansion as an f-string --------------------------------------------------


class Expander:
    """IPython expands ``{expr}`` and ``$name`` in shell commands and magic arguments with the
    user's namespace, and leaves the text as it is when that fails. This turns such text into
    the source of a Python string: an f-string when every field reads known notebook names."""

    _DOLLAR = re.compile(r"\$(\$|[A-Za-z_]\w*)")

    def __init__(self, names: frozenset[str]):
        self.names = names

    def __call__(self, text: str) -> str:
        parts = self._parts(text)
        if parts is None:
            return repr(text)
        if not any(kind == "expr" for kind, _ in parts):
            return repr("".join(value for _, value in parts))
        return _fstring(parts)

    def _parts(self, text: str) -> list[tuple[str, str]] | None:
        try:
            fields = list(string.Formatter().parse(text))
        except ValueError:
            return None
        parts: list[tuple[str, str]] = []
        for literal, name, spec, conversion in fields:
            parts.extend(self._dollars(literal))
            if name is None:
                continue
            if not self._known(name):
                return None
            expr = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            parts.append(("expr", expr))
        return parts

    def _dollars(self, literal: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        pos = 0
        for match in self._DOLLAR.finditer(literal):
            word = match.group(1)
            quoted = literal[: match.start()].count("'") % 2 == 1
            if word != "$" and (quoted or word not in self.names):
                continue
            out.append(("lit", literal[pos : match.start()]))
            out.append(("lit", "$") if word == "$" else ("expr", word))
            pos = match.end()
        out.append(("lit", literal[pos:]))
        return [p for p in out if p[1]]

    def _known(self, expr: str) -> bool:
        import ast

        try:
            tree = ast.parse(expr, mode="eval")
        except SyntaxError:
            return False
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        return bool(names) and names <= self.names


def _fstring(parts: list[tuple[str, str]]) -> str:
    exprs = "".join(value for kind, value in parts if kind == "expr")
    quote = next((q for q in ('"', "'") if q not in exprs and "\\" not in exprs), None)
    if quote is None:  # an expression that cannot sit in an f-string before Python 3.12
        return " + ".join(repr(v) if k == "lit" else f"str({v})" for k, v in parts)
    body = "".join(
        (
            "{" + value + "}"
            if kind == "expr"
            else _escape(value, quote).replace("{", "{{").replace("}", "}}")
        )
        for kind, value in parts
    )
    return f"f{quote}{body}{quote}"


def _escape(value: str, quote: str) -> str:
    for raw, escaped in (
        ("\\", "\\\\"),
        (quote, "\\" + quote),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
    ):
        value = value.replace(raw, escaped)
    return value


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
