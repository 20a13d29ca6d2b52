"""Plain-Python stand-ins for the IPython features a notebook used, copied into extracted packages.

Each top-level function or class here is one translation target (``x = !cmd`` -> ``shell_lines``,
``!cmd`` -> ``shell``, ``%%capture out`` -> ``capture_output``, ``plt.show()`` ->
``save_figures``). An extracted package receives, as ``_runtime.py``, only the definitions its
pipeline uses, so this file must stay self-contained: standard library only, one definition per
feature (the definitions a package needs, and their imports, are found by reading this file).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess


def shell(command: str) -> int:
    """Run ``command`` in a shell, as IPython's ``!command`` does; return its exit status."""
    return subprocess.run(command, shell=True, check=False).returncode


def shell_lines(command: str) -> list[str]:
    """The output lines (stdout and stderr) of ``command``, as IPython's ``x = !command``."""
    done = subprocess.run(
        command,
        shell=True,
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return done.stdout.splitlines()


class CapturedIO:
    """What ``%%capture name`` stored in ``name``: the cell's standard output and error."""

    def __init__(self) -> None:
        self._stdout = io.StringIO()
        self._stderr = io.StringIO()

    @property
    def stdout(self) -> str:
        return self._stdout.getvalue()

    @property
    def stderr(self) -> str:
        return self._stderr.getvalue()

    def show(self) -> None:
        print(self.stdout, end="")


@contextlib.contextmanager
def capture_output():
    """Capture standard output and error of a block, as IPython's ``%%capture name``."""
    captured = CapturedIO()
    with contextlib.redirect_stdout(captured._stdout), contextlib.redirect_stderr(captured._stderr):
        yield captured


def save_figures(figures_dir: str | None, name: str) -> None:
    """Save every open matplotlib figure as ``figures_dir/name-N.png`` and close it.

    This is what the notebook's inline backend did at ``plt.show()`` or at the end of the cell."""
    import matplotlib.pyplot as plt

    for n, number in enumerate(plt.get_fignums(), start=1):
        if figures_dir is not None:
            os.makedirs(figures_dir, exist_ok=True)
            plt.figure(number).savefig(os.path.join(figures_dir, f"{name}-{n}.png"))
    plt.close("all")
