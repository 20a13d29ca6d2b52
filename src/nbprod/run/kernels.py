"""Kernels: which one a notebook runs on, and a pool of fresh kernels started ahead of need.

* :func:`resolve_kernel` picks the notebook's kernelspec (or ``--kernel``) and, when it is not
  installed, fails with one line naming it, the installed ones and the command that installs it.
* :class:`KernelPool` keeps kernels started before they are needed, so a run never waits for
  a kernel to boot while others execute. Every kernel serves exactly one run and is then shut
  down in the background: no state leaks between runs. Kernels talk over IPC sockets in a private
  temporary directory, so parallel starts cannot race for TCP ports (papermill#511). When a pool
  will start more kernels than can boot side by side, they are forked from a warm template
  process (:mod:`nbprod.run.zygote`) instead of each importing IPython anew.
* :class:`ReadyClient` is nbclient's kernel client without the fixed 0.2 s of IOPub silence that
  jupyter_client waits for after ``kernel_info``: nbclient matches every message to its request,
  so stray start-up messages are harmless, and the wait cost 0.2 s per run.
* IPython kernels run without IPython's SQLite history (:data:`IPYKERNEL_OPTIONS`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from functools import lru_cache
from queue import Empty
from typing import TYPE_CHECKING, Any

from jupyter_client.provisioning import LocalProvisioner

from nbprod.run import zygote

if TYPE_CHECKING:
    from jupyter_client import AsyncKernelManager

    from nbprod.notebook import Notebook

#: kernel language -> how to install its kernel
INSTALL_HINTS = {
    "python": "python -m ipykernel install --user --name {name}",
    "r": "R -e 'IRkernel::installspec()'",
    "julia": "julia -e 'using Pkg; Pkg.add(\"IJulia\")'",
}


#: options for IPython kernels, which serve one run each. IPython's history is off: by default
#: every kernel opens a session in one SQLite database shared by all of them
#: (~/.ipython/profile_default/history.sqlite) and writes every cell to it, ≈3 ms of CPU per
#: cell, for a history nobody browses; ``In``, ``Out`` and ``%history`` of the run itself are
#: kept in memory as usual
IPYKERNEL_OPTIONS = ("--HistoryManager.enabled=False",)


class KernelError(Exception):
    """A kernel that cannot be used; ``str()`` is the one-line message."""


@lru_cache(maxsize=1)
def spec_manager() -> Any:
    """jupyter_client's KernelSpecManager with its search path given, because computing the
    default imports IPython (≈0.5-1.4 s) just to find ``~/.ipython/kernels``."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_core.paths import jupyter_path

    ipython = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
    return KernelSpecManager(
        kernel_dirs=[*jupyter_path("kernels"), os.path.join(ipython, "kernels")]
    )


def installed_kernels() -> dict[str, str]:
    """Installed kernelspecs: name -> directory."""
    return spec_manager().find_kernel_specs()


def resolve_kernel(nb: Notebook, override: str | None = None) -> str:
    """The kernel a notebook runs on: ``override``, its kernelspec, or ``python3`` for a Python
    notebook without one. Raises :class:`KernelError` when that kernel is not installed."""
    name = override or nb.kernel_name or ("python3" if nb.is_python else None)
    installed = installed_kernels()
    if name is None:
        raise KernelError(
            f"{nb.path}: the notebook names no kernel; choose one with --kernel "
            f"(installed: {', '.join(sorted(installed)) or 'none'})"
        )
    if name not in installed:
        language = "python" if nb.is_python else nb.language
        hint = INSTALL_HINTS.get(language, "install the Jupyter kernel for " + language)
        origin = "--kernel" if override else "its kernelspec"
        raise KernelError(
            f"{nb.path}: kernel {name!r} ({origin}) is not installed "
            f"(installed: {', '.join(sorted(installed)) or 'none'}); install it with "
            f"`{hint.format(name=name)}` or run with --kernel NAME"
        )
    return name


def kernel_command(name: str) -> list[str]:
    """The command a kernel starts with, ``python`` resolved as jupyter_client resolves it."""
    argv = list(spec_manager().get_kernel_spec(name).argv)
    major, minor = sys.version_info[:2]
    if argv and argv[0] in {"python", f"python{major}", f"python{major}.{minor}"}:
        argv[0] = sys.executable
    elif argv:
        argv[0] = shutil.which(argv[0]) or argv[0]
    return argv


def is_ipykernel(argv: list[str]) -> bool:
    """Whether a kernel command starts ipykernel (``PYTHON -m ipykernel_launcher``)."""
    return tuple(argv[1:3]) in (("-m", "ipykernel_launcher"), ("-m", "ipykernel"))


def _client_base() -> type:
    from jupyter_client.asynchronous import AsyncKernelClient

    return AsyncKernelClient


class ReadyClient(_client_base()):  # type: ignore[misc]
    """An async kernel client whose ``wait_for_ready`` returns as soon as the kernel answered
    ``kernel_info`` and IOPub delivered a message (so the subscription is connected). The answer
    is kept (``info``): the run's ``language_info`` comes from it, not from a second request."""

    info: dict[str, Any] = {}  # the kernel_info reply's content (replaced, never mutated)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else 60.0)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass  # IOPub not connected yet: ask again
                else:
                    self._handle_kernel_info_reply(msg)
                    self.info = msg["content"]
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class ForkProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, launching the kernel by a fork of the zygote."""

    template: zygote.Zygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        assert self.template is not None
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(self.template.process.pid)  # the kernel's parent
        pid = self.template.spawn(cmd[3:], env, cwd)
        self.process = zygote.ForkedProcess(pid, self.template)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


class KernelPool:
    """Fresh kernels of one kernelspec, started ahead of need in a background thread.

    ``take()`` hands out a started kernel (its manager) and starts a replacement; ``ready(km)``
    says the kernel answered; ``release(km)`` shuts a used kernel down in the background;
    ``close()`` shuts everything down. ``spares`` is how many idle kernels to keep; ``limit``,
    when known, how many will ever be taken (so none is started for nothing).

    A kernel's start-up is CPU-bound (importing IPython), so at most ``boots`` kernels boot at
    once (a kernel counts as booting until a run saw it answer): kernels needed now are not
    slowed down by spares booting beside them."""

    def __init__(
        self,
        kernel: str,
        cwd: str,
        spares: int = 1,
        limit: int | None = None,
        boots: int | None = None,
    ):
        self.kernel, self.cwd, self.spares, self._left = kernel, cwd, spares, limit
        self.boots = boots or max(1, min(spares, os.cpu_count() or 1))
        self._sockets = tempfile.mkdtemp(prefix="nbprod-")
        self._cond = threading.Condition()
        self._idle: list[Any] = []  # started managers, or the exception a start raised
        self._booting: set[Any] = set()  # started, not yet seen answering
        self._starting = self._waiting = 0
        self._closed = False
        self._live: set[Any] = set()
        self._killing: list[threading.Thread] = []
        self._command: list[str] | None = None  # the kernelspec's command, once read
        self._template: Any = self._start_template()  # first: it takes longest to be ready
        self._thread = threading.Thread(target=self._fill, name="nbprod-kernels", daemon=True)
        self._thread.start()

    # -- public ---------------------------------------------------------------------------------
    def take(self, timeout: float | None = None) -> AsyncKernelManager:
        """A started kernel, never handed out before (waits for one when none is idle)."""
        with self._cond:
            self._waiting += 1
            self._cond.notify_all()
            try:
                if not self._cond.wait_for(lambda: self._idle or self._closed, timeout):
                    raise KernelError(f"no {self.kernel!r} kernel started in {timeout} s")
                if self._closed:
                    raise KernelError("cancelled")
                item = self._idle.pop(0)
                if self._left is not None:
                    self._left -= 1
            finally:
                self._waiting -= 1
                self._cond.notify_all()
        if isinstance(item, BaseException):
            from nbprod.run.execute import first_line

            raise KernelError(f"kernel {self.kernel!r} failed to start: {first_line(item)}")
        return item

    def limit(self, count: int) -> None:
        """From now on, at most ``count`` more kernels will be taken."""
        with self._cond:
            self._left = count
            self._cond.notify_all()

    def ready(self, km: AsyncKernelManager) -> None:
        """A run saw this kernel answer: it no longer counts as booting."""
        with self._cond:
            self._booting.discard(km)
            self._cond.notify_all()

    def release(self, km: AsyncKernelManager, now: bool = False) -> None:
        """Shut a used kernel down in the background: ``now`` kills it; otherwise it is asked to
        shut down (its atexit handlers run) and nobody waits for it to finish, not even
        :meth:`close`: it exits by itself, and ipykernel exits anyway when this process does."""
        from jupyter_core.utils import run_sync

        self.ready(km)
        if not now:
            try:
                run_sync(km.request_shutdown)()  # a message: the kernel is idle after its run
            except Exception:  # it is dead already: the reaper cleans up
                now = True
        thread = threading.Thread(
            target=self._reap, args=(km, now), daemon=True, name="nbprod-shutdown"
        )
        thread.start()
        if now:
            self._killing.append(thread)

    def close(self, kill: bool = False) -> None:
        """Stop starting kernels, shut down idle ones (and, with ``kill``, those in use)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        self._thread.join()
        for km in idle:
            if not isinstance(km, BaseException):
                self.release(km, now=True)
        if kill:
            for km in list(self._live):
                kill_kernel(km)
        for thread in list(self._killing):
            thread.join()
        if self._template:
            self._template.close()
        shutil.rmtree(self._sockets, ignore_errors=True)

    # -- background -----------------------------------------------------------------------------
    def _wanted(self) -> int:
        want = self._waiting + self.spares
        if self._left is not None:
            want = min(want, self._left)
        if len(self._booting) + self._starting >= self.boots:
            return 0
        return want - len(self._idle) - self._starting

    def _fill(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._wanted() > 0)
                if self._closed:
                    return
                self._starting += 1
            try:
                item: Any = self._start()
            except Exception as exc:  # delivered to the run that takes it
                item = exc
            with self._cond:
                self._starting -= 1
                self._idle.append(item)
                if not isinstance(item, BaseException):
                    self._booting.add(item)
                self._cond.notify_all()

    def _start(self) -> AsyncKernelManager:
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        key = uuid.uuid4().hex[:12]
        km = AsyncKernelManager(
            kernel_name=self.kernel,
            transport="ipc",
            ip=os.path.join(self._sockets, key),
            connection_file=os.path.join(self._sockets, f"{key}.json"),
            kernel_spec_manager=spec_manager(),
        )
        km.client_class = f"{ReadyClient.__module__}.{ReadyClient.__qualname__}"
        template = self._zygote()
        if template is not None:  # forked from the warm template instead of a new interpreter
            km.kernel_id = key
            km.provisioner = ForkProvisioner(kernel_id=key, kernel_spec=km.kernel_spec, parent=km)
            km.provisioner.template = template
        options = list(IPYKERNEL_OPTIONS) if is_ipykernel(self.command()) else []
        self._live.add(km)
        try:
            # the kernel's own stdout/stderr would interleave with nbprod's one-line messages
            run_sync(km.start_kernel)(
                cwd=self.cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                extra_arguments=options,
            )
        except Exception:
            self._live.discard(km)
            if template is None:
                raise
            self._template = False  # the template is gone: start kernels the usual way
            template.close()
            return self._start()
        return km

    def command(self) -> list[str]:
        """The command the pool's kernels start with (:func:`kernel_command`, read once)."""
        if self._command is None:
            self._command = kernel_command(self.kernel)
        return self._command

    def _start_template(self) -> Any:
        """The pool's kernel template process (:mod:`nbprod.run.zygote`): the one started early
        for its interpreter, else one started now; False when kernels of this kind cannot be
        forked, and when no more kernels will be needed than can boot side by side anyway (a
        single run)."""
        try:
            argv = self.command()
        except Exception:  # no such kernelspec: starting a kernel says so, to the run
            return False
        early = zygote.adopt(argv[0])
        if not zygote.enabled(argv) or (self._left is not None and self._left <= self.boots):
            if early:
                early.close()
            return False
        try:
            return early or zygote.Zygote(argv[0])
        except OSError:
            return False  # kernels start the usual way

    def _zygote(self) -> Any:
        """The template once it serves forks; None without one, or when it did not start."""
        if self._template:
            try:
                self._template.wait()
            except RuntimeError:
                self._template = False  # kernels start the usual way
        return self._template or None

    def _reap(self, km: AsyncKernelManager, now: bool) -> None:
        """Kill a kernel (``now``) or wait for it to finish shutting down; then remove its
        connection files."""
        from jupyter_core.utils import run_sync

        try:
            if now:
                run_sync(km.shutdown_kernel)(now=True)
            else:
                run_sync(km.finish_shutdown)()
                run_sync(km.cleanup_resources)()
        except Exception:  # a kernel that died on its own: only its files are left
            try:
                run_sync(km.cleanup_resources)()
            except Exception:
                pass
        self._live.discard(km)


def kill_kernel(km: AsyncKernelManager) -> None:
    """Kill a kernel and its subprocesses at once (the run using it sees a dead kernel)."""
    import signal

    from jupyter_core.utils import run_sync

    try:
        run_sync(km.signal_kernel)(signal.SIGKILL)
    except Exception:  # already dead or never started: nothing to kill
        pass


def exit_description(km: AsyncKernelManager) -> str:
    """How a dead kernel's process ended: ``killed by SIGKILL``, ``exit code 3``, or ``''``."""
    import signal

    process = getattr(getattr(km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return ""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
