"""``nbprod extract``: a notebook becomes a parameterised package with a CLI and tests.

plan (decisions, pure) -> render (files as text, pure) -> goldens (the notebook executed once)
-> emit (the only writer) -> verify (the package run with plain python, compared). The click
command is in :mod:`nbprod.extract.command`; the rewriting is done by the libcst transformers of
:mod:`nbprod.extract.transforms`, on the notebook model's Python view of each cell.
"""
