"""NB5xx security: secrets committed with the notebook, and strings run as code or commands.

Secrets are found by detect-secrets' own plugins. Importing detect-secrets costs 0.2-0.45 s (it
pulls in ``requests``), more than a whole lint of a notebook, so every line first goes through
one cheap regex built from what each plugin needs to see (:data:`PLUGINS`); detect-secrets is
imported, and its plugins and false-positive filters run, only on the rare lines that pass.
A line that only the keyword plugin could report, and whose every value that plugin could take
is a placeholder (``api_key = "YOUR_API_KEY"``), is not scanned either: nbprod would drop
whatever it reported (see :func:`_needs_scan`).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from nbprod.lint.checks.common import aliases, keyword, parsed_cells, qualified
from nbprod.lint.registry import Context, Finding, check

if TYPE_CHECKING:
    from nbprod.notebook import Cell, Notebook

#: the words detect-secrets' KeywordDetector looks for (its DENYLIST), lower case
_KEYWORDS = (
    r"(?:api|auth|service|account|db|database|priv|private|client)_?key|"
    r"(?:db|database|key)_?pass|passw|pwd|secret|contrase"
)
#: detect-secrets plugin -> (needles, regex): the regex matches, in the LOWER-CASED line, every
#: secret the plugin reports (a superset: the prefilter), and it is only tried on text holding
#: one of the needles (``str.__contains__`` is 10-50x faster than a regex that cannot start with
#: a literal). Lower-casing once is ~7x faster than ``(?i)``. The high-entropy plugins are left
#: out: in notebooks they flag hashes, ids and base64 data.
PLUGINS: dict[str, tuple[tuple[str, ...], str]] = {
    "AWSKeyDetector": (
        ("a3t", "akia", "asia", "abia", "acca", "aws"),
        r"(?:a3t[a-z0-9]|akia|asia|abia|acca)[a-z0-9]{16}|aws.{0,20}?['\"][0-9a-z/+]{40}",
    ),
    "ArtifactoryDetector": (
        ("akc", "ap"),
        r"(?<![a-z0-9])(?:akc[a-z0-9]{10}|ap[\da-f][a-z0-9]{8})",
    ),
    "AzureStorageKeyDetector": (("accountkey=",), r"accountkey="),
    "BasicAuthDetector": (("://",), r"://[^\s/:@]+:[^\s/:@]+@"),
    "GitHubTokenDetector": (("gh", "github_pat_"), r"gh[pousr]_|github_pat_"),
    "GitLabTokenDetector": (
        ("gl", "gr1348941"),
        r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|gr1348941",
    ),
    "JwtTokenDetector": (("eyj",), r"eyj[a-z0-9_-]*\."),
    # detect-secrets' adhoc scan uses its quotes-required patterns: a quoted value after the
    # word, or before it in a comparison ("value" == password)
    "KeywordDetector": (
        ("key", "pass", "pwd", "secret", "contrase"),
        rf"(?:{_KEYWORDS})(?=.*['\"`])|[!=]=\s*\w*(?:{_KEYWORDS})",
    ),
    "NpmDetector": (("_authtoken", "npm_"), r"_authtoken|npm_"),
    "OpenAIDetector": (("t3blbkfj",), r"t3blbkfj"),
    "PrivateKeyDetector": (
        ("private key", "putty-user-key", "ssh2 encrypted"),
        r"private key|putty-user-key|ssh2 encrypted",
    ),
    "PypiTokenDetector": (("pypi-age",), r"pypi-age"),
    "SendGridDetector": (("sg.",), r"sg\.[\w-]{22}\."),
    "SlackDetector": (("xox", "hooks.slack.com"), r"xox[abposr]-|hooks\.slack\.com"),
    "SquareOAuthDetector": (("sq0csp-",), r"sq0csp-"),
    "StripeDetector": (("k_live_",), r"[rs]k_live_"),
}
_PREFILTERS = {name: (needles, re.compile(regex)) for name, (needles, regex) in PLUGINS.items()}
#: values of "password = ..." that are placeholders, not secrets (the last: the name of an
#: environment variable, in capitals with an underscore: ``"DB_PASSWORD"``)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:your|my|enter|insert|put|replace|<|\{|\$)|x{3,}|\*{3,}|here$|changeme|placeholder|"
    r"dummy|(?-i:^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$)"
)
_WORD = re.compile(r"\w")
#: output MIME types holding text worth scanning, best first: only the first one an output has
#: is scanned (a DataFrame's text/html repeats its text/plain at 5x the size)
_TEXT_TYPES = ("text/plain", "text/markdown", "application/json", "text/html", "text/latex")


def find_secrets(text: str) -> Iterator[tuple[int, int, str]]:
    """(line number, column, secret type) of every secret in ``text``, both 1-based."""
    if not _may_hold_secret(text.lower()):
        return
    candidates = [(n, line) for n, line in enumerate(text.splitlines(), 1) if _needs_scan(line)]
    if candidates:
        yield from scan_lines(candidates)


def scan_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, int, str]]:
    """detect-secrets on each (line number, line), placeholders dropped: what :func:`find_secrets`
    gives for the lines its prefilter lets through."""
    scan_line, settings = _detect_secrets()
    with settings({"plugins_used": [{"name": name} for name in PLUGINS]}):
        for number, line in lines:
            seen = set()
            for secret in scan_line(line):
                value = secret.secret_value or ""
                if secret.type in seen or (
                    secret.type == "Secret Keyword" and _PLACEHOLDER.search(value)
                ):
                    continue
                seen.add(secret.type)
                yield number, max(line.find(value), 0) + 1, secret.type


def _may_hold_secret(lowered: str) -> bool:
    """The prefilter: could a detect-secrets plugin report something in this lower-cased text?"""
    return next(_plugins_passing(lowered), None) is not None


def _plugins_passing(lowered: str) -> Iterator[str]:
    """The plugins whose prefilter this lower-cased text passes (one generator: this runs on the
    text of every cell and output)."""
    for name, (needles, regex) in _PREFILTERS.items():
        if any(needle in lowered for needle in needles) and regex.search(lowered):
            yield name


def _needs_scan(line: str) -> bool:
    """Could detect-secrets report, on this line, a secret that nbprod would keep?

    The keyword plugin's quotes-required patterns take as the value a run of characters between
    two identical quotes with no ``'`` or ``"`` inside, that starts with a word character. So
    when the keyword plugin is the only one the prefilter lets through, every such run on the
    line is a candidate value, and when all of them are placeholders nothing would be kept. A
    backtick (also a quote to that plugin, and allowed inside its values) means: scan."""
    plugins = list(_plugins_passing(line.lower()))
    if plugins != ["KeywordDetector"] or "`" in line:
        return bool(plugins)
    return not all(_PLACEHOLDER.search(value) for value in _quoted_runs(line))


def _quoted_runs(line: str) -> Iterator[str]:
    """Every value the keyword plugin could take from ``line`` (see :func:`_needs_scan`)."""
    quotes = [(i, ch) for i, ch in enumerate(line) if ch in "'\""]
    for (start, opening), (end, closing) in zip(quotes, quotes[1:]):
        value = line[start + 1 : end]
        if opening == closing and _WORD.match(value):
            yield value


@lru_cache(maxsize=1)
def _detect_secrets() -> tuple[Any, Any]:
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import transient_settings

    return scan_line, transient_settings


_ADVICE = "read it from an environment variable or a secrets manager, and revoke this one"


@check("NB501")
def secret_in_source(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell in nb.cells:
        for line, column, kind in find_secrets(cell.source):
            yield Finding(
                "NB501",
                f"what looks like a secret ({kind}) is written in the cell: anyone with the "
                f"notebook has it; {_ADVICE}",
                cell.number,
                line,
                column,
            )


def _output_texts(cell: Cell) -> Iterator[str]:
    for output in cell.outputs:
        if output.get("output_type") == "stream":
            yield _joined(output.get("text", ""))
        elif output.get("output_type") == "error":
            yield "\n".join([str(output.get("evalue", "")), *output.get("traceback", [])])
        data = output.get("data") or {}
        mime = next((m for m in _TEXT_TYPES if m in data), None)
        if mime is not None:
            yield _joined(data[mime])


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@check("NB502")
def secret_in_output(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for cell in nb.code_cells:
        kinds = sorted({kind for text in _output_texts(cell) for _, _, kind in find_secrets(text)})
        if kinds:
            yield Finding(
                "NB502",
                f"the output shows what looks like a secret ({', '.join(kinds)}): clear the "
                f"output, {_ADVICE}",
                cell.number,
            )


def _how_built(node: ast.AST) -> str | None:
    """How a string argument is built at run time (None for a constant)."""
    if isinstance(node, (ast.Constant, ast.List, ast.Tuple)):
        return None
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.BinOp):
        return "`%` formatting" if isinstance(node.op, ast.Mod) else "concatenation"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return f"`.{node.func.attr}()`"
    if isinstance(node, ast.Name):
        return f"the variable `{node.id}`"
    return "an expression"


@check("NB503")
def eval_of_built_string(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    for p in parsed_cells(nb):
        for call in p.calls():
            func = call.func
            if isinstance(func, ast.Name) and func.id in ("eval", "exec") and call.args:
                built = _how_built(call.args[0])
                if built:
                    yield p.finding(
                        "NB503",
                        f"`{func.id}()` runs code built from {built}: whatever reaches it "
                        "runs; parse the value (`ast.literal_eval`, `json.loads`) or call the "
                        "function directly",
                        call,
                    )


_SHELL_ALWAYS = frozenset({"os.system", "os.popen", "commands.getoutput", "subprocess.getoutput"})
_SHELL_OPTIONAL = frozenset(
    "subprocess.run subprocess.call subprocess.check_call subprocess.check_output "
    "subprocess.Popen".split()
)


@check("NB504")
def shell_of_built_string(nb: Notebook, ctx: Context) -> Iterator[Finding]:
    names = aliases(nb)
    for p in parsed_cells(nb):
        for call in p.calls():
            name = qualified(call.func, names)
            shell = keyword(call, "shell")
            uses_shell = name in _SHELL_ALWAYS or (
                name in _SHELL_OPTIONAL
                and shell is not None
                and not (isinstance(shell, ast.Constant) and not shell.value)
            )
            command = call.args[0] if call.args else keyword(call, "args")
            built = _how_built(command) if uses_shell and command is not None else None
            if built:
                yield p.finding(
                    "NB504",
                    f"`{p.text(call.func)}()` runs a shell command built from {built}: quoting "
                    "and injection bugs wait here; pass a list of arguments without a shell",
                    call,
                )
