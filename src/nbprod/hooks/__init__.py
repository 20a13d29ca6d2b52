"""What only the pre-commit hooks need (``.pre-commit-hooks.yaml`` at the repository root).

``nbprod-lint`` and ``nbprod-extract-check`` call ``nbprod lint`` and ``nbprod extract --check``
as they are; ``nbprod-run-smoke`` calls ``nbprod smoke`` (:mod:`nbprod.hooks.smoke`), which runs
several notebooks through the run module where ``nbprod run`` runs one.
"""
