"""Which values may differ between two runs of the same code, so goldens compare their structure
(type, shape, dtype, columns) and not their contents.

Sources: unseeded random generators (``np.random.rand`` before any ``np.random.seed``,
``random.random``, ``default_rng()`` without a seed), clocks, entropy, directory listings and
shell output. Taint follows the dataflow statement by statement: what a statement binds or mutates
is nondeterministic when it reads such a value, calls a source or a function that does, or reads
a file (by the same path name or literal) that such data was written to.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

import libcst as cst

from nbprod.extract.transforms.cst import ast_of, call_chain, loaded_names
from nbprod.extract.transforms.literals import PATH_FUNCTIONS
from nbprod.extract.transforms.rename import top_bindings
from nbprod.notebook.dataflow import is_mutating_call, root_name

#: generator module -> the call that seeds it
UNSEEDED_SOURCES = {
    "numpy.random": "numpy.random.seed",
    "random": "random.seed",
}
#: calls whose results differ from run to run (clock, entropy) or machine to machine (listings)
ALWAYS_NONDETERMINISTIC = frozenset(
    "time.time time.perf_counter datetime.datetime.now datetime.datetime.today datetime.now "
    "datetime.today uuid.uuid1 uuid.uuid4 os.urandom secrets shell_lines shell os.listdir "
    "os.scandir os.walk glob.glob glob.iglob os.getcwd".split()
)
_MAKERS = ("seed", "default_rng", "RandomState", "Generator", "SeedSequence")


def nondeterministic_names(
    statements: Iterable[cst.BaseStatement],
    definitions: Iterable[cst.CSTNode],
    aliases: Mapping[str, str],
) -> set[str]:
    """The names whose values may differ between runs; ``statements`` in notebook order,
    ``definitions`` the hoisted functions and classes, ``aliases`` imported name -> qualified."""
    seeded: set[str] = set()
    tainted: set[str] = set()
    files: set[str] = set()  # paths (names or literals) written with nondeterministic data
    random_defs = {
        d.name.value for d in definitions if _random_calls(ast_of(d), aliases, seeded=set())  # type: ignore[attr-defined]
    }
    for stmt in statements:
        tree = ast_of(stmt)
        seeded |= _seeds(tree, aliases)
        reads = set(loaded_names(tree))
        paths = _path_arguments(tree)
        if _random_calls(tree, aliases, seeded) or reads & (tainted | random_defs) or paths & files:
            tainted |= top_bindings(tree) | _mutated(tree)
            files |= paths
    return tainted


def _qualified(chain: list[str], aliases: Mapping[str, str]) -> str:
    root = aliases.get(chain[-1], chain[-1])
    return ".".join([root, *reversed(chain[:-1])])


def _seeds(tree: ast.AST, aliases: Mapping[str, str]) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = _qualified(call_chain(node), aliases)
            if name in UNSEEDED_SOURCES.values():
                out.add(name)
    return out


def _random_calls(tree: ast.AST, aliases: Mapping[str, str], seeded: set[str]) -> bool:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _qualified(call_chain(node), aliases)
        if name in ALWAYS_NONDETERMINISTIC or name.split(".")[0] in ALWAYS_NONDETERMINISTIC:
            return True
        if name.endswith(("default_rng", "RandomState")) and not node.args and not node.keywords:
            return True
        module = name.rsplit(".", 1)[0]
        seeded_module = module in UNSEEDED_SOURCES and UNSEEDED_SOURCES[module] in seeded
        if module in UNSEEDED_SOURCES and not seeded_module and not name.endswith(_MAKERS):
            return True
    return False


def _path_arguments(tree: ast.AST) -> set[str]:
    """Names and string literals passed first to file readers and writers (``np.save(p, a)``)."""
    out = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and call_chain(node)[:1]):
            continue
        if call_chain(node)[0] in PATH_FUNCTIONS:
            first = node.args[0]
            if isinstance(first, ast.Name):
                out.add(first.id)
            elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                out.add(repr(first.value))
    return out


def _mutated(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            name = root_name(node)
        elif isinstance(node, ast.Call) and is_mutating_call(node):
            name = root_name(node.func.value)  # type: ignore[attr-defined]
        else:
            continue
        if name:
            out.add(name)
    return out
