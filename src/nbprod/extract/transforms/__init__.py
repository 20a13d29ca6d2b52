"""libcst transformers of ``nbprod extract``, one job each, composed by :mod:`nbprod.extract.plan`:
display-only expressions, magics, imports, literals lifted into the config, redefinitions,
globals made parameters, and plots moved into functions."""
