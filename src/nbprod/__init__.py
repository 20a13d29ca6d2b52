"""nbprod: take data-science work from Jupyter notebooks to production.

One notebook model (``nbprod.notebook``) is shared by every command: lint, extract, run, assess.
"""

__version__ = "0.1.0"
