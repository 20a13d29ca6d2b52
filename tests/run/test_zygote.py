"""The kernel template process started early, before its pool knows the kernels' interpreter."""

from __future__ import annotations

import os
import sys

import pytest

from nbprod.run import zygote

pytestmark = pytest.mark.skipif(
    not zygote.enabled([sys.executable, *zygote.LAUNCHER]), reason="no fork"
)


def test_an_early_template_goes_to_its_interpreter_only_and_is_closed_otherwise():
    zygote.start_early(sys.executable)
    early = zygote.adopt(sys.executable)
    try:
        assert early is not None and zygote.adopt(sys.executable) is None  # handed out once
        early.wait()
        assert early.process.poll() is None
    finally:
        early.close()
    assert early.process.returncode is not None and not os.path.exists(early.directory)

    zygote.start_early(sys.executable)
    unwanted = zygote._early[sys.executable]
    assert zygote.adopt("/elsewhere/bin/python3") is None  # its kernels run another interpreter
    assert unwanted.process.returncode is not None and not os.path.exists(unwanted.directory)
