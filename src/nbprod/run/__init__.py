"""``nbprod run`` / ``batch`` / ``runs``: papermill runs as reproducible pipeline steps.

Parameters are validated against the parameters cell and can never execute code (``params``,
``grid``); kernels are pre-started in pools over IPC (``kernels``), forked from a warm template
process in batches (``zygote``); one run is papermill with an engine that records what really
happened (``execute``); batches run locally or on Dask (``executors``, ``batch``); every run is
recorded in an embedded SQLite store (``store``) with its provenance (``provenance``); ``report``
and ``tracking`` show and export the results, ``display`` prints them, ``command`` is the CLI.

Python API (imported lazily, so ``import nbprod.run`` stays cheap)::

    from nbprod.run import run_notebook, run_batch
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_batch", "run_notebook"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nbprod.run import batch

        return getattr(batch, name)
    raise AttributeError(name)
