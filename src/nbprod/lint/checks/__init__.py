"""Check implementations, one module per limitation; importing this package registers them all."""

from nbprod.lint.checks import (  # noqa: F401
    code_modularity,
    debugging,
    performance,
    pipeline_readiness,
    reproducibility,
    scalability,
    security,
    version_control,
)
