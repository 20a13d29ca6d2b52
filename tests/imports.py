"""For tests of what a code path must not import: run it in a fresh interpreter, ask sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys


def imported_after(statements: str, modules: list[str]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``statements``."""
    code = f"{statements}\nimport json, sys\nprint(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])
