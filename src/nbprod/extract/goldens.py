"""Golden values: execute the notebook once with papermill and a real kernel, and record what it
computed, step by step, with the same summaries the package's tests use.

The notebook file is never modified: an in-memory copy gets one extra cell at the top (it loads
:mod:`nbprod.extract.values` into a private dict) and one after the last cell of each step (it
records that step's outputs as they are at that point), plus one at the end for the final values.
Records go to a temporary JSON-lines file; nothing is pickled.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbprod.extract.plan import Plan
from nbprod.notebook import Notebook

_NS = "__nbprod_values__"


@dataclass(frozen=True)
class Execution:
    """What one run of the notebook recorded, or why it failed (``error``, one line)."""

    steps: Mapping[str, Mapping[str, Any]]
    results: Mapping[str, Any]
    seconds: float
    error: str = ""
    cell: int = 0  # the notebook's cell number that failed


def execute_notebook(
    nb: Notebook, plan: Plan, parameters: Mapping[str, Any] | None = None, timeout: int = 600
) -> Execution:
    """Run ``nb`` (in its own directory, like Jupyter) and record the plan's values."""
    import papermill
    from jupyter_client.manager import KernelManager
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nbprod-goldens-") as tmp:
        records = Path(tmp) / "values.jsonl"
        node = _instrumented(nb, plan, records)
        kernel = _kernel_name(nb)
        # IPC sockets in the temporary directory: no TCP port races, no unencrypted-TCP warning
        km = KernelManager(kernel_name=kernel, transport="ipc", ip=str(Path(tmp) / "kernel"))
        try:
            with _environment(MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1"):
                papermill.execute_notebook(
                    node,
                    None,
                    parameters=dict(parameters or {}),
                    kernel_name=kernel,
                    km=km,
                    cwd=str(nb.path.resolve().parent),
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                )
        except PapermillExecutionError as exc:  # papermill may drop cells: find it by its source
            cell = next((c.number for c in nb.code_cells if c.source == exc.source), 0)
            return Execution(
                {}, {}, time.perf_counter() - start, f"{exc.ename}: {exc.evalue}".strip(), cell
            )
        # a kernel that dies or does not start: one line for the user, never a traceback
        except Exception as exc:  # noqa: BLE001
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return Execution(
                {}, {}, time.perf_counter() - start, f"{type(exc).__name__}: {message}"
            )
        finally:
            if km.has_kernel:  # nbclient leaves a kernel it did not start running
                km.shutdown_kernel(now=True)
        steps, results = _read(records)
    return Execution(steps, results, time.perf_counter() - start)


def goldens_json(plan: Plan, execution: Execution, notebook: str) -> str:
    """The goldens file: deterministic JSON (sorted keys, no dates)."""
    doc = {
        "generated-by": "nbprod extract",
        "notebook": notebook,
        "source-sha256": plan.source_sha256,
        "parameters": {p.name: p.value for p in plan.parameters},
        "nondeterministic": sorted(plan.nondeterministic),
        "steps": execution.steps,
        "results": execution.results,
    }
    return json.dumps(doc, indent=1, sort_keys=True, default=repr) + "\n"


def _instrumented(nb: Notebook, plan: Plan, records: Path):
    """A NotebookNode of the notebook with the recording cells."""
    import nbformat

    data = copy.deepcopy(dict(nb.data))
    cells = data["cells"]
    source = (Path(__file__).parent / "values.py").read_text(encoding="utf-8")
    setup = f"{_NS} = {{}}\nexec(compile({source!r}, 'nbprod-values', 'exec'), {_NS})\n"
    after: dict[int, list[str]] = {}
    for step in plan.steps:
        after.setdefault(max(step.cells), []).append(
            _record(records, f"step:{step.name}", step.outputs)
        )
    out = [_code_cell(setup)]
    for number, cell in enumerate(cells, start=1):
        out.append(cell)
        out += [_code_cell(code) for code in after.get(number, [])]
    out.append(_code_cell(_record(records, "results", plan.results)))
    data["cells"] = out
    data.setdefault("metadata", {})
    node = nbformat.from_dict(data)
    if node.nbformat_minor >= 5:  # ids are required from nbformat 4.5 on
        for i, cell in enumerate(node.cells):
            cell.setdefault("id", f"nbprod-{i}")
    return node


def _record(records: Path, key: str, names) -> str:
    return (
        f"{_NS}['record']({str(records)!r}, {key!r}, "
        f"{{_n: globals()[_n] for _n in {list(names)!r} if _n in globals()}})\n"
    )


def _code_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {"tags": ["nbprod-goldens"]},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def _read(records: Path) -> tuple[dict, dict]:
    steps: dict[str, dict] = {}
    results: dict[str, Any] = {}
    if not records.exists():
        return steps, results
    for line in records.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        values = {k: v for k, v in entry["values"].items() if v is not None}
        if entry["key"] == "results":
            results = values
        else:
            steps[entry["key"].removeprefix("step:")] = values
    return steps, results


def _kernel_name(nb: Notebook) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    wanted = nb.kernel_name or "python3"
    return wanted if wanted in KernelSpecManager().find_kernel_specs() else "python3"


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if old[k] is None})
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
