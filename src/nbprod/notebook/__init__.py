"""The one model of a notebook that every nbprod command uses.

``load_notebook(path)`` reads and validates a file and returns a :class:`Notebook`; everything else
(Python view of each cell, magics, source map, dataflow) is computed lazily from it.
"""

from nbprod.notebook.load import LoadError, load_notebook, loads_notebook
from nbprod.notebook.model import Cell, Location, Notebook

__all__ = ["Cell", "LoadError", "Location", "Notebook", "load_notebook", "loads_notebook"]
