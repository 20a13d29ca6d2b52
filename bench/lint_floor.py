"""The floor under a cold ``nbprod lint``: what any run must do before a single check runs.

    python3 bench/lint_floor.py NOTEBOOK...   # [--jobs N]; prints the number of AST nodes

Issue #3 asks each notebook to be validated against nbformat's schema, each code cell to be
parsed, and its dataflow to be built on ``ast`` and ``symtable``. This script does only that, in
a whole process started like ``nbprod lint`` is: read the bytes, decode the JSON, validate it
with nbprod's own cached validator (nbformat 4 files; the nbformat 3 ones are skipped, which
flatters the floor), ``ast.parse`` each code cell as it is, walk its tree once, and run
``symtable`` on the cells that define a function or class (as nbprod's dataflow does). No IPython translation, no source map, no check, no report. ``bench/lint.py`` times it
beside ``nbprod lint --no-cache``: the gap between the two rows is all that nbprod's own design
can still win.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import symtable

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def work(path: str) -> int:
    from nbprod.notebook.load import _validator

    with open(path, "rb") as fh:
        data = json.loads(fh.read())
    if data.get("nbformat") != 4:
        return 0
    _validator(min(max(data.get("nbformat_minor", 0), 0), 5))(data)
    nodes = 0
    for cell in data["cells"]:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        scopes = False
        for node in ast.walk(tree):
            nodes += 1
            scopes = scopes or isinstance(node, _SCOPES)
        if scopes:
            symtable.symtable(source, "<cell>", "exec")
    return nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (fork)")
    args = parser.parse_args()
    if args.jobs <= 1:
        print(sum(map(work, args.paths)))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    order = sorted(args.paths, key=lambda p: -os.path.getsize(p))  # as nbprod's pool does
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(args.jobs, mp_context=context) as pool:
        print(sum(pool.map(work, order)))


if __name__ == "__main__":
    main()
