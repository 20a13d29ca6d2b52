"""Plan an extraction: the decisions that turn a notebook into parameters, steps and results.

Pure (no I/O): :func:`plan_notebook` takes a loaded :class:`~nbprod.notebook.Notebook` and
returns a :class:`Plan` that :mod:`nbprod.extract.render` writes out as text. Each cell goes
through the transformers in :mod:`nbprod.extract.transforms` (display, magics, imports, literals,
redefinitions, globals, plots); the dataflow of the transformed code (the notebook model's own
:func:`~nbprod.notebook.dataflow.cell_flow`) then decides:

* **steps**: one per markdown section (cells under a heading), or, without headings, one per
  cell that defines names (cells that only show, draw or mutate join the step before);
* **inputs** of a step: the names it reads before defining them (and those it may redefine only
  conditionally); **outputs**: the names a later step reads, plus the names whose last definition
  it is (the notebook's final values, which ``run()`` returns);
* **parameters**: the ``parameters`` cell's literal assignments (overridden by a papermill
  ``injected-parameters`` cell), or else the literals of :mod:`~nbprod.extract.transforms.literals`;
* which values depend on unseeded randomness (compared by structure only).
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from nbprod.extract.determinism import nondeterministic_names
from nbprod.extract.memo import source_sha256
from nbprod.extract.problems import Log, Note, Problem
from nbprod.extract.transforms.cst import (
    RenameReads,
    ast_of,
    call_chain,
    loaded_names,
    statements_code,
)
from nbprod.extract.transforms.display import apply_display
from nbprod.extract.transforms.globals import (
    Definition,
    InjectArguments,
    analyse,
    rewrite_definition,
)
from nbprod.extract.transforms.imports import Import, take_imports
from nbprod.extract.transforms.literals import (
    HINT,
    Lifted,
    LiftLiterals,
    find_literals,
    top_assignments,
)
from nbprod.extract.transforms.magics import translate_magics, wrap_in_capture
from nbprod.extract.transforms.plots import (
    PLOT_MODULES,
    Part,
    close_shows,
    finish_plot,
    split_plots,
)
from nbprod.extract.transforms.rename import Versions, rename_statement, top_bindings, version_names
from nbprod.notebook import Cell, Notebook
from nbprod.notebook.dataflow import CellFlow, cell_flow
from nbprod.notebook.magics import python_view

#: names the generated pipeline module defines itself
RESERVED = frozenset(
    {"run", "Config", "logger", "functools", "save_figures", "shell", "shell_lines"}
)
RESERVED |= {"capture_output", "figures_dir", "observe", "config", "Any", "Callable"}


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    help: str = ""
    origin: str = ""


@dataclass(frozen=True)
class PlotFunction:
    name: str
    cell: int
    inputs: tuple[str, ...]
    statements: tuple[cst.BaseStatement, ...]


@dataclass(frozen=True)
class Fragment:
    """The code one cell contributes to a step: statements, or a call of a plot function."""

    cell: int
    statements: tuple[cst.BaseStatement, ...] = ()
    plot: PlotFunction | None = None
    comment: tuple[str, ...] = ()  # markdown prose that came before it
    footer: tuple[str, ...] = ()  # comments after the cell's last statement


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    cells: tuple[int, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    fragments: tuple[Fragment, ...]

    @property
    def has_plots(self) -> bool:
        return any(f.plot is not None for f in self.fragments)


@dataclass(frozen=True)
class Plan:
    package: str
    title: str  # the notebook's first heading, or its file name
    summary: str  # the first paragraph of prose
    source_sha256: str  # of the notebook's cell types, sources and tags (not outputs)
    parameters: tuple[Parameter, ...]
    parameters_origin: str
    imports: tuple[Import, ...]
    definitions: tuple[cst.BaseStatement, ...]
    steps: tuple[Step, ...]
    results: tuple[str, ...]
    nondeterministic: frozenset[str]
    helpers: frozenset[str]
    requirements: tuple[str, ...]
    problems: tuple[Problem, ...]
    notes: tuple[Note, ...]

    @property
    def plots(self) -> tuple[PlotFunction, ...]:
        return tuple(f.plot for s in self.steps for f in s.fragments if f.plot is not None)


@dataclass
class _Code:
    """One code cell on its way through the transformers."""

    cell: Cell
    module: cst.Module
    section: int
    comment: tuple[str, ...] = ()
    parts: list[Part] = field(default_factory=list)
    flows: list[CellFlow | None] = field(default_factory=list)


def plan_notebook(nb: Notebook, package: str) -> Plan:
    """Plan the extraction of ``nb`` into package ``package`` (never raises on bad input: what
    cannot be translated is in ``plan.problems``)."""
    return _Planner(nb, package).plan()


class _Planner:
    def __init__(self, nb: Notebook, package: str):
        self.nb = nb
        self.package = package
        self.log = Log()
        self.taken = set(RESERVED) | set(keyword.kwlist) | {package}
        self.notebook_names: set[str] = set()
        for cell in nb.code_cells:
            flow = nb.flow(cell)
            if flow is not None:
                self.notebook_names |= set(flow.defines) | set(flow.reads)
        self.taken |= self.notebook_names
        #: imported names of plotting libraries (their calls draw; they are never logged)
        self.plot_roots = frozenset(
            i.name
            for c in nb.code_cells
            for i in (nb.flow(c).imports if nb.flow(c) else ())
            if i.qualified.startswith(PLOT_MODULES)
        )
        self.imports: list[Import] = []
        self.helpers: set[str] = set()
        self.requirements: list[str] = []
        self.uses_logger = False
        self.parameters: dict[str, Parameter] = {}
        self.definition_names: set[str] = set()
        self.star_import = False

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken or not name.isidentifier():
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    # -- the whole plan ---------------------------------------------------------------------------
    def plan(self) -> Plan:
        nb = self.nb
        if not nb.is_python:
            self.log.refuse(
                0, 0, 0, f"a {nb.language} notebook: only Python notebooks can be extracted"
            )
            return self._result([], [], [], frozenset())
        codes, titles = self._cells()
        origin = self._parameters_origin(codes)
        defs = self._hoist_definitions(codes)
        self.definition_names = {d.name for d in defs}
        self.star_import = any(i.name == "*" for i in self.imports)
        variables = self._variables(codes, defs)
        defs = self._inject(codes, defs, variables)
        self._split_plots(codes)
        steps = self._steps(codes, titles)
        steps, results = self._dataflow(steps)
        aliases = {imp.bound: imp.qualified for imp in self.imports}
        statements = [s for c in codes for p in c.parts for s in p.statements]
        nondeterministic = nondeterministic_names(statements, [d.node for d in defs], aliases)
        return self._result(steps, results, [d.node for d in defs], nondeterministic, origin)

    def _result(self, steps, results, definitions, nondeterministic, origin="none") -> Plan:
        title, summary = _title_and_summary(self.nb)
        return Plan(
            package=self.package,
            title=title,
            summary=summary,
            source_sha256=source_sha256(self.nb),
            parameters=tuple(self.parameters.values()),
            parameters_origin=origin,
            imports=tuple(self.imports),
            definitions=tuple(definitions),
            steps=tuple(steps),
            results=tuple(results),
            nondeterministic=frozenset(nondeterministic),
            helpers=frozenset(self.helpers | ({"logger"} if self.uses_logger else set())),
            requirements=tuple(dict.fromkeys(self.requirements)),
            problems=tuple(sorted(self.log.problems)),
            notes=tuple(sorted(self.log.notes)),
        )

    # -- 1. each cell through display, magics, imports, parameters --------------------------------
    def _cells(self) -> tuple[list[_Code], dict[int, tuple[str, int]]]:
        codes: list[_Code] = []
        titles: dict[int, tuple[str, int]] = {}  # section index -> (heading, level)
        section, prose = 0, []
        params_cell = self.nb.parameters_cell
        for cell in self.nb.cells:
            if cell.cell_type == "markdown":
                heading, level, text = _heading(cell.source)
                if heading is not None:
                    section += 1
                    titles[section] = (heading, level)
                    prose = []
                prose += text
                continue
            if not cell.is_code or not cell.source.strip():
                continue
            if "injected-parameters" in cell.tags:
                self._injected_parameters(cell)
                continue
            module = self._transform(cell)
            if module is None:
                continue
            if cell is params_cell:
                module = self._take_parameters(cell, module)
            codes.append(_Code(cell, module, section, tuple(prose[:4])))
            prose = []
        return codes, titles

    def _transform(self, cell: Cell) -> cst.Module | None:
        view = self.nb.view(cell)
        assert view is not None
        if view.syntax_error is not None:
            err = view.syntax_error
            self.log.refuse(cell.number, err.line, err.column, f"syntax error: {err.message}")
            return None
        try:
            module = _comments_into_body(cst.parse_module(view.code))
        except cst.ParserSyntaxError as exc:  # valid for ast, not for libcst (very rare)
            self.log.refuse(cell.number, 1, 1, f"cannot be rewritten: {str(exc).splitlines()[0]}")
            return None
        module, logged = apply_display(
            module, view.tree, cell.number, self.log, _cell_line(view), self.plot_roots
        )
        self.uses_logger |= logged
        result = translate_magics(
            module, view, cell.number, self.log, frozenset(self.notebook_names)
        )
        self.helpers |= result.helpers
        self.requirements += result.requirements
        module, imports = take_imports(result.module, cell.number)
        if result.capture:
            module = wrap_in_capture(module, result.capture)
        for imp in imports:
            if imp.name == "*":
                self.log.note(
                    cell.number, 1, "import", f"star import from {imp.module}: kept at the top"
                )
        self.imports += imports
        return _drop_top_level_global(module)

    def _take_parameters(self, cell: Cell, module: cst.Module) -> cst.Module:
        kept = []
        for stmt in module.body:
            found = _parameter(stmt)
            if found is None:
                kept.append(stmt)
                continue
            name, value, help_text = found
            self.parameters[name] = Parameter(
                name, value, help_text, f"parameters cell {cell.number}"
            )
        return module.with_changes(body=kept)

    def _injected_parameters(self, cell: Cell) -> None:
        """papermill's ``injected-parameters`` cell (left by an earlier run) overrides defaults."""
        try:
            module = cst.parse_module(cell.source)
        except cst.ParserSyntaxError:
            return
        for stmt in module.body:
            found = _parameter(stmt)
            if found is None:
                continue
            name, value, _ = found
            old = self.parameters.get(name)
            help_text = old.help if old else ""
            self.parameters[name] = Parameter(
                name, value, help_text, f"injected-parameters cell {cell.number}"
            )
            self.log.note(
                cell.number,
                1,
                "parameter",
                f"{name} = {value!r}: default from papermill's injected cell",
            )

    # -- 2. parameters without a parameters cell: lift literals -----------------------------------
    def _parameters_origin(self, codes: list[_Code]) -> str:
        if self.nb.parameters_cell is not None:
            return f"the parameters cell (cell {self.nb.parameters_cell.number})"
        for cell, index, name, value in top_assignments([(c.cell.number, c.module) for c in codes]):
            self.parameters[name] = Parameter(
                name, value, "", f"top-of-notebook assignment (cell {cell})"
            )
            self.log.note(
                cell, 1, "lifted", f"{name} = {value!r} -> config (top-of-notebook literal)"
            )
        lifted = {p.name for p in self.parameters.values()}
        for code in codes:
            code.module = code.module.with_changes(
                body=[s for s in code.module.body if not _assigns_lifted(s, lifted)]
            )
        found = find_literals(
            [(c.cell.number, c.module) for c in codes if HINT.search(c.cell.source)], self.fresh
        )
        for lift in found.params.values():
            self.parameters[lift.name] = Parameter(
                lift.name, lift.value, _lift_help(lift), "lifted"
            )
            for cell in sorted(set(lift.places)):
                self.log.note(cell, 1, "lifted", f"{lift.why} -> config parameter `{lift.name}`")
        transformer = LiftLiterals(found)
        for code in codes:
            if _mentions(code, found.candidates):
                code.module = code.module.visit(transformer)
        return "lifted literals" if self.parameters else "none"

    # -- 3. definitions: hoisted, versioned -------------------------------------------------------
    def _hoist_definitions(self, codes: list[_Code]) -> list[Definition]:
        events: list[tuple[str, str, int]] = []
        per_statement: list[list[tuple[cst.BaseStatement, set[str], bool]]] = []
        for code in codes:
            rows = []
            for stmt in code.module.body:
                is_def = isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
                bound = {stmt.name.value} if is_def else top_bindings(ast_of(stmt))  # type: ignore
                ident = len(events)
                for name in sorted(bound):
                    events.append(("def" if is_def else "var", name, ident))
                rows.append((stmt, bound, is_def))
            per_statement.append(rows)
        module_names = version_names(events, self.fresh)
        self.taken |= set(module_names.values())
        versions = Versions()
        defs: list[Definition] = []
        ident = 0
        at_cell_end: list[dict[str, str]] = []
        for code, rows in zip(codes, per_statement):
            kept = []
            for stmt, bound, is_def in rows:
                if is_def:
                    name = module_names[ident]
                    defined = {stmt.name.value: name}  # type: ignore[union-attr]
                    versions.current.update(defined)
                    node = stmt.with_changes(name=cst.Name(name))  # type: ignore[union-attr]
                    line = _def_line(self.nb, code.cell, stmt)
                    original = stmt.name.value  # type: ignore[union-attr]
                    defs.append(Definition(name, node, code.cell.number, line, original))
                    if name != stmt.name.value:  # type: ignore[union-attr]
                        message = f"{original} -> {name} (the name is bound again later)"
                        self.log.note(code.cell.number, 1, "renamed", message)
                else:
                    stmt, problem = rename_statement(stmt, versions, {n: None for n in bound})
                    if problem:
                        self.log.refuse(code.cell.number, 1, 1, problem)
                    kept.append(stmt)
                ident += len(bound)
            code.module = code.module.with_changes(body=kept)
            at_cell_end.append(versions.renames())
        cell_index = {c.cell.number: i for i, c in enumerate(codes)}
        for d in defs:  # a definition reads the names as they are bound when its cell ends
            renames = {k: v for k, v in at_cell_end[cell_index[d.cell]].items() if v != d.name}
            if renames:
                d.node = d.node.with_changes(body=d.node.body.visit(RenameReads(renames)))
        return defs

    # -- 4. globals -> parameters -----------------------------------------------------------------
    def _variables(self, codes: list[_Code], defs: list[Definition]) -> set[str]:
        names = set(self.parameters)
        for code in codes:
            for stmt in code.module.body:
                names |= top_bindings(ast_of(stmt))
        return names - {d.name for d in defs}

    def _inject(
        self, codes: list[_Code], defs: list[Definition], variables: set[str]
    ) -> list[Definition]:
        for d, offset, column, problem in analyse(defs, variables):
            self.log.refuse(d.cell, d.line + offset, column, problem)
        by_name = {d.name: d for d in defs}
        for d in defs:
            if d.needs:
                self.log.note(
                    d.cell,
                    d.line,
                    "globals",
                    f"`{d.name}` reads {_names(d.needs)}: now "
                    + ("__init__ arguments" if d.is_class else "keyword-only parameters"),
                )
            if d.rebinds:
                self.log.note(
                    d.cell,
                    d.line,
                    "globals",
                    f"`{d.name}` rebinds {_names(d.rebinds)} with `global`: now returns them",
                )
            node, problem = rewrite_definition(d, by_name)
            if problem:
                self.log.refuse(d.cell, d.line, 1, problem)
            d.node = node
        if any(d.needs or d.rebinds for d in defs):
            self.imports.append(Import("functools", None, None))
            wanted = [n for d in defs if d.needs or d.rebinds for n in (d.name, d.original)]
            for code in codes:
                if not _mentions(code, wanted):
                    continue
                inject = InjectArguments(by_name)
                code.module = code.module.visit(inject)
                for problem in inject.problems:
                    self.log.refuse(code.cell.number, 1, 1, problem)
        return defs

    # -- 5. plots ---------------------------------------------------------------------------------
    def _split_plots(self, codes: list[_Code]) -> None:
        aliases = {imp.bound: imp.qualified for imp in self.imports}
        for code in codes:
            code.parts = split_plots(code.module, aliases)
        if any(p.kind == "plot" and p.defines for c in codes for p in c.parts):
            later: set[str] = set()  # names read by the cells after the current one
            for code in reversed(codes):  # drawing code whose names another cell reads computes
                for part in code.parts:
                    if part.kind == "plot" and part.defines & later:
                        part.kind = "code"
                later |= {
                    n for p in code.parts for s in p.statements for n in loaded_names(ast_of(s))
                }
        for code in codes:
            for part in code.parts:
                if part.kind == "code":
                    part.statements = close_shows(part.statements, aliases)

    # -- 6. steps ---------------------------------------------------------------------------------
    def _steps(self, codes: list[_Code], titles: dict[int, tuple[str, int]]) -> list[dict]:
        groups: list[dict] = []
        first_heading = min(titles) if titles else None
        for code in codes:
            code.flows = [cell_flow(python_view(statements_code(p.statements))) for p in code.parts]
            if titles:
                new = not groups or groups[-1]["section"] != code.section
            else:
                new = not groups or any(
                    f is not None and f.defines
                    for f, p in zip(code.flows, code.parts)
                    if p.kind == "code"
                )
            if new:
                heading, level = titles.get(code.section, ("", 0))
                by_flow = not heading or (level == 1 and code.section == first_heading)
                groups.append(
                    {"section": code.section, "title": heading, "by_flow": by_flow, "codes": []}
                )
            groups[-1]["codes"].append(code)
        for group in groups:
            group["items"] = [
                (code, part, flow)
                for code in group["codes"]
                for part, flow in zip(code.parts, code.flows)
                if part.statements
            ]
        return [g for g in groups if g["items"]]

    def _is_module_name(self, name: str) -> bool:
        imported = {i.bound for i in self.imports}
        return (
            name in imported
            or name in self.definition_names
            or name in BUILTIN_NAMES
            or name in self.helpers
            or name == "logger"
        )

    # -- 7. dataflow between steps ----------------------------------------------------------------
    def _dataflow(self, groups: list[dict]) -> tuple[list[Step], list[str]]:
        aliases = {imp.bound: imp.qualified for imp in self.imports}
        available: set[str] = set(self.parameters)
        reads: list[list[str]] = []
        defines: list[list[str]] = []
        fragments: list[list[Fragment]] = []
        removed: list[set[str]] = []
        for g in groups:
            deleted: set[str] = set()
            local: set[str] = set()
            unconditional: set[str] = set()
            inputs: list[str] = []
            defined: list[str] = []
            made: list[Fragment] = []
            seen_cells: set[int] = set()
            last_part = {id(code): part for code, part, _ in g["items"]}
            for code, part, flow in g["items"]:
                comment = code.comment if code.cell.number not in seen_cells else ()
                seen_cells.add(code.cell.number)
                footer = _comments(code.module.footer) if last_part[id(code)] is part else ()
                if flow is None:
                    continue
                needed = list(flow.inputs)
                if part.kind == "code":
                    needed += [
                        n
                        for n in _conditional_definitions(part.statements)
                        if n in available and n not in unconditional
                    ]
                    needed += [n for n in _deleted(part.statements) if n not in flow.defines]
                wanted = []
                for name in needed:
                    if name in local and (name in unconditional or name not in available):
                        wanted.append(name)
                    elif name in available:
                        wanted.append(name)
                        if name not in inputs and name not in local:
                            inputs.append(name)
                    elif (
                        not self._is_module_name(name)
                        and not self.star_import
                        and name not in local
                    ):
                        self._undefined(code.cell, name)
                if part.kind == "plot":
                    plot = self._plot_function(code, part, tuple(dict.fromkeys(wanted)), aliases)
                    made.append(
                        Fragment(code.cell.number, plot=plot, comment=comment, footer=footer)
                    )
                    continue
                statements = tuple(part.statements)
                made.append(Fragment(code.cell.number, statements, comment=comment, footer=footer))
                unbound = _unbound_after(part.statements)
                for name in flow.defines:
                    if name not in local and name not in unbound:
                        local.add(name)
                        defined.append(name)
                    deleted.discard(name)
                for name in unbound:  # `except E as e`, `del x`: gone after this cell
                    deleted.add(name)
                    local.discard(name)
                    defined = [n for n in defined if n != name]
                unconditional |= _unconditional_definitions(part.statements)
            g["redefines"] = [n for n in defined if n in available]
            reads.append(inputs)
            defines.append(defined)
            removed.append(deleted)
            fragments.append(made)
            available = (available - deleted) | set(defined)
        outputs: list[list[str]] = [[] for _ in groups]
        last: dict[str, int] = {p: -1 for p in self.parameters}
        for i, inputs in enumerate(reads):
            for name in inputs:
                source = last.get(name, -1)
                if source >= 0 and name not in outputs[source]:
                    outputs[source].append(name)
            for name in removed[i]:
                last.pop(name, None)
            for name in defines[i]:
                last[name] = i
        results = {n for n, i in last.items() if i >= 0 and not self._is_module_name(n)}
        for name, i in last.items():
            if name in results and name not in outputs[i]:
                outputs[i].append(name)
        steps = []
        for i, g in enumerate(groups):
            order = [n for n in defines[i] if n in outputs[i]]
            name = self._step_name(g, order, i)
            cells = tuple(dict.fromkeys(f.cell for f in fragments[i]))
            steps.append(
                Step(name, g["title"], cells, tuple(reads[i]), tuple(order), tuple(fragments[i]))
            )
        ordered = [
            n for s in steps for n in s.outputs if n in results and last[n] == steps.index(s)
        ]
        return steps, list(dict.fromkeys(ordered))

    def _plot_function(
        self, code: _Code, part: Part, inputs: tuple[str, ...], aliases
    ) -> PlotFunction:
        name = self.fresh("plot_" + _plot_slug(part.statements, code.cell.number, aliases))
        statements = finish_plot(list(part.statements), name.removeprefix("plot_"), aliases)
        self.helpers.add("save_figures")
        self.log.note(code.cell.number, 1, "plot", f"figures -> {name}(), saved by save_figures()")
        return PlotFunction(name, code.cell.number, inputs, tuple(statements))

    def _undefined(self, cell: Cell, name: str) -> None:
        flow = self.nb.flow(cell)
        line, col = (flow.reads.get(name) if flow else None) or (1, 1)
        self.log.refuse(
            cell.number,
            line,
            col,
            f"`{name}` is read before any cell defines it (run top to bottom, the notebook fails"
            " here)",
        )

    def _step_name(self, group: dict, outputs: list[str], index: int) -> str:
        if not group["by_flow"]:
            slug = _slug(group["title"])
            if slug:
                return self.fresh(slug if slug not in self.taken else f"{slug}_step")
        if not outputs:
            return self.fresh("setup" if index == 0 else f"step_{index + 1}")
        first = outputs[0]
        verb = "update" if first in group["redefines"] else "make"
        return self.fresh(f"{verb}_{first.lower().strip('_') or 'values'}")


# -- helpers ---------------------------------------------------------------------------------------

BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__"}


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _heading(source: str) -> tuple[str | None, int, list[str]]:
    """The first ATX heading of a markdown cell, its level, and the cell's other prose lines."""
    heading, level, prose = None, 0, []
    for line in source.splitlines():
        match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if match and heading is None:
            heading, level = _plain(match.group(2)), len(match.group(1))
        elif line.strip() and not match:
            prose.append(_plain(line.strip()))
    return heading, level, prose


def _plain(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links
    return re.sub(r"[*_`]+", "", text).strip()


def _title_and_summary(nb: Notebook) -> tuple[str, str]:
    title, summary = None, ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        heading, _, prose = _heading(cell.source)
        if title is None and heading:
            title = heading
        if not summary and prose:
            summary = " ".join(prose)
        if title and summary:
            break
    return title or nb.path.stem, summary


def _slug(title: str) -> str:
    text = re.sub(r"^[\d.\s]+", "", title.lower())  # "4.1 Adding a column" -> "adding a column"
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        if len(slug) + len(word) > 40:
            break
        slug = f"{slug}_{word}" if slug else word
    if not slug or slug[0].isdigit():
        return ""
    return slug


def _plot_slug(statements, cell: int, aliases) -> str:
    """A name for a plot: its title, or the first variable it draws, or its cell."""
    for stmt in statements:
        for node in ast.walk(ast_of(stmt)):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            title = node.args[0]
            if call_chain(node)[:1] in (["title"], ["set_title"], ["suptitle"]) and isinstance(
                title, ast.Constant
            ):
                slug = _slug(title.value) if isinstance(title.value, str) else ""
                if slug:
                    return slug
    for stmt in statements:
        for node in ast.walk(ast_of(stmt)):
            if isinstance(node, ast.Call):
                chain = call_chain(node)
                if (
                    len(chain) > 1
                    and chain[-1] not in aliases
                    and chain[-1] not in ("ax", "fig", "axes")
                ):
                    return chain[-1].lower().strip("_")
    return f"cell_{cell}"


def _parameter(stmt: cst.BaseStatement) -> tuple[str, Any, str] | None:
    """``name = literal  # help`` -> (name, value, help)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    assign = stmt.body[0]
    if not (isinstance(assign, (cst.Assign, cst.AnnAssign))):
        return None
    target = assign.targets[0].target if isinstance(assign, cst.Assign) else assign.target
    if isinstance(assign, cst.Assign) and len(assign.targets) != 1:
        return None
    if not isinstance(target, cst.Name) or assign.value is None:
        return None
    try:
        value = ast.literal_eval(cst.Module([]).code_for_node(assign.value).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    comment = stmt.trailing_whitespace.comment
    help_text = comment.value.lstrip("#").strip() if comment else ""
    return target.value, value, help_text


def _assigns_lifted(stmt: cst.BaseStatement, lifted: set[str]) -> bool:
    found = _parameter(stmt)
    return found is not None and found[0] in lifted


def _lift_help(lift: Lifted) -> str:
    cells = ", ".join(str(c) for c in sorted(set(lift.places)))
    return f"{lift.why} in cell{'s' if ',' in cells else ''} {cells}"


def _def_line(nb: Notebook, cell: Cell, stmt: cst.BaseStatement) -> int:
    flow = nb.flow(cell)
    found = flow.function(stmt.name.value) if flow else None  # type: ignore[union-attr]
    return found.line if found else 1


def _cell_line(view):
    """Maps a line of the cell's Python view to the cell's line."""
    return lambda line: view.to_cell(line)[0]


def _comments_into_body(module: cst.Module) -> cst.Module:
    """libcst keeps the comments above a cell's first statement in ``module.header``: move them
    onto that statement so they travel with it."""
    if not module.body or not any(line.comment for line in module.header):
        return module
    first = module.body[0].with_changes(
        leading_lines=[*module.header, *module.body[0].leading_lines]
    )
    return module.with_changes(header=[], body=[first, *module.body[1:]])


def _comments(lines) -> tuple[str, ...]:
    return tuple(line.comment.value for line in lines if line.comment is not None)


def _mentions(code: _Code, words) -> bool:
    """Whether a cell's source may contain one of ``words`` (a cheap filter before a rewrite)."""
    source = code.cell.source
    return any(w in source for w in words)


def _drop_top_level_global(module: cst.Module) -> cst.Module:
    """``global x`` at the top level of a cell is a no-op; inside a step function it is not."""
    body = []
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, cst.Global) for s in stmt.body
        ):
            kept = [s for s in stmt.body if not isinstance(s, cst.Global)]
            if not kept:
                continue
            stmt = stmt.with_changes(body=kept)
        body.append(stmt)
    return module.with_changes(body=body)


def _unconditional_definitions(statements) -> set[str]:
    out: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef, cst.With)):
            out |= top_bindings(ast_of(stmt))
    return out


def _conditional_definitions(statements) -> list[str]:
    out: list[str] = []
    unbound = _unbound_after(statements)
    for stmt in statements:
        if isinstance(stmt, (cst.If, cst.For, cst.While, cst.Try)):
            out += sorted(top_bindings(ast_of(stmt)) - unbound)
    return out


def _unbound_after(statements) -> set[str]:
    """Names a fragment leaves unbound: ``except E as e`` deletes ``e`` when the handler ends
    (unless the fragment also binds it otherwise), and ``del x``."""
    handlers: set[str] = set()
    other: set[str] = set()
    for stmt in statements:
        tree = ast_of(stmt)
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.name:
                handlers.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                other.add(node.id)
    return (handlers - other) | _deleted(statements)


def _deleted(statements) -> set[str]:
    """Names deleted by a top-level ``del`` (the name must exist: it is also a use)."""
    out: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in ast_of(stmt).body:
                if isinstance(small, ast.Delete):
                    out |= {t.id for t in small.targets if isinstance(t, ast.Name)}
    return out
