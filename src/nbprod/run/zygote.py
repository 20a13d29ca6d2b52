"""Kernels forked from a warm template process (a "zygote"), so a kernel start costs a fork, not
a Python start-up that imports IPython.

A kernel's start-up is ≈0.5-1 s of CPU, nearly all of it importing ipykernel and IPython; on a
2-core machine running 16 short notebooks that CPU, not the notebooks, sets the batch's wall
time. The zygote is a process of the kernel's own interpreter that imports ``ipykernel.kernelapp``
once and then, on request over a Unix socket in its private directory, forks: the child
starts a new session, takes the run's working directory and environment, and runs ipykernel's
own ``launch_new_instance`` with the connection file jupyter_client wrote. Every kernel is still
a fresh process that never ran user code, serving one run; only the imports are shared.

jupyter_client drives it through :class:`nbprod.run.kernels.ForkProvisioner`, whose process is a
:class:`ForkedProcess` (signals go to the kernel's process group, its exit status comes from the
zygote, which reaps its children). The zygote and its kernels exit when the nbprod process does
(the zygote reads its stdin until EOF; the kernels watch their parent, the zygote, as ipykernel
does). This module imports only the standard library, so that ``nbprod batch`` can start the
zygote (:func:`start_early`) before it imports jupyter_client to read the kernelspec: the
zygote's imports are the longest wait before the first kernel.

The template also does what every kernel does as it starts (:func:`_prepare`: imports, of which
the debugger, debugpy, alone is ≈40 ms of CPU per kernel, and tokenize's pattern), and freezes
its objects out of the cyclic garbage collector (``gc.freeze``, as the ``gc`` documentation
advises before ``fork``): a kernel's collections, and the full one IPython runs at exit, then
skip the objects it shares with the template instead of scanning them and writing into their
pages; that copied ≈18 MB into every kernel and doubled its CPU (0.28 s instead of 0.14 s).

Used for kernelspecs that run ``PYTHON -m ipykernel_launcher`` on POSIX; ``NBPROD_KERNEL_FORK=0``
turns it off (every kernel is then started by jupyter_client as usual).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

LAUNCHER = ("-m", "ipykernel_launcher")
#: imported by every kernel as it starts, after ``ipykernel.kernelapp``
PREIMPORT = (
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "tornado.platform.asyncio",
    "psutil",  # at shutdown, to find the kernel's subprocesses
)


def enabled(argv: list[str]) -> bool:
    """Whether kernels of this command can be forked from a zygote."""
    return (
        hasattr(os, "fork")
        and os.environ.get("NBPROD_KERNEL_FORK", "1") != "0"
        and tuple(argv[1:3]) == LAUNCHER
    )


class Zygote:
    """The template process for one interpreter, serving forks over a Unix socket in a private
    directory (with its kernels' exit statuses): started at once, serving after :meth:`wait`."""

    def __init__(self, python: str):
        self.python = python
        self.directory = directory = tempfile.mkdtemp(prefix="nbprod-zygote-")
        self.address = os.path.join(directory, "zygote")
        self.ready = False
        self.process = subprocess.Popen(
            [
                python,
                "-c",
                "import sys; from nbprod.run.zygote import serve; serve(sys.argv[1])",
                self.address,
            ],
            cwd=directory,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait(self, timeout: float = 60.0) -> None:
        """Wait until the template has done its imports; RuntimeError (and closed) if it fails."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            self.ready = os.path.exists(self.address + ".ready")
            if self.ready:
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the kernel template process did not start ({self.python})")
            time.sleep(0.01)

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """Fork a kernel running ``ipykernel_launcher argv``; its pid."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.address)
            conn.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode() + b"\n")
            reply = json.loads(conn.makefile("rb").readline() or b"{}")
        if "pid" not in reply:
            raise RuntimeError(reply.get("error", "the kernel template process did not answer"))
        return int(reply["pid"])

    def exit_code(self, pid: int) -> int | None:
        """A forked kernel's exit code (negative: killed by that signal), None while it runs."""
        try:
            with open(os.path.join(self.directory, f"{pid}.exit"), encoding="ascii") as f:
                return int(f.read())
        except (OSError, ValueError):
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:  # gone without a status: the zygote itself is gone
            return -signal.SIGKILL
        except PermissionError:
            pass
        return None

    def close(self) -> None:
        """Stop the zygote (the kernels it forked watch it and exit with it); one still importing
        has none and is killed."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=2 if self.ready else 0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


_early: dict[str, Zygote] = {}  # started by start_early(), not adopted yet


def start_early(python: str) -> None:
    """Start the zygote for ``python`` now, before the kernel pool that will :func:`adopt` it
    knows its kernels' command (the caller then calls :func:`discard_early`, however it ends)."""
    if python not in _early and enabled([python, *LAUNCHER]):
        try:
            _early[python] = Zygote(python)
        except OSError:
            pass  # the pool starts one the usual way


def adopt(python: str) -> Zygote | None:
    """The zygote :func:`start_early` started for ``python``, if any; any other is closed (the
    kernels it was started for run on another interpreter)."""
    found = _early.pop(python, None)
    discard_early()
    return found


def discard_early() -> None:
    """Close the zygotes :func:`start_early` started that no pool adopted."""
    while _early:
        _early.popitem()[1].close()


class ForkedProcess:
    """The small part of ``subprocess.Popen`` that jupyter_client uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: Zygote):
        self.pid, self.zygote, self.returncode = pid, zygote, None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


# -- the zygote process ----------------------------------------------------------------------------


def serve(address: str) -> None:
    """The zygote's main loop: import ipykernel, then fork a kernel per request, reap exits."""
    import selectors

    gc.disable()  # until the kernels: no collections leaving holes in the pages they share
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel adds its own cwd back
    _prepare()
    directory = os.path.dirname(address)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
    open(address + ".ready", "w").close()
    while True:
        for key, _ in selector.select(timeout=0.05):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                _fork(conn, listener, directory)
            elif not os.read(sys.stdin.fileno(), 4096):  # nbprod is gone or done
                os._exit(0)  # nothing to tear down: the kernels watch this process and follow
        _reap(directory)


def _prepare() -> None:
    """Do once what every kernel would do as it starts: import ipykernel and :data:`PREIMPORT`,
    and compile the token pattern of ``tokenize`` (IPython tokenizes every cell: the first one
    compiled it, ≈10 ms of CPU per kernel)."""
    import importlib
    import io
    import tokenize

    import ipykernel.kernelapp  # noqa: F401 - the import every kernel would pay for

    for name in PREIMPORT:
        try:
            importlib.import_module(name)
        except Exception:  # another ipykernel version: its kernels import what they need
            pass
    list(tokenize.generate_tokens(io.StringIO("pass\n").readline))


def _fork(conn: socket.socket, listener: socket.socket, directory: str) -> None:
    with conn:
        try:
            request = json.loads(conn.makefile("rb").readline())
            gc.freeze()  # everything the template holds: out of the kernel's collections
            pid = os.fork()
        except Exception as exc:  # a bad request or no more processes: say so
            conn.sendall(json.dumps({"error": f"cannot fork a kernel: {exc}"}).encode() + b"\n")
            return
        if pid == 0:
            gc.enable()
            listener.close()
            conn.close()
            _kernel(request)  # never returns
        try:  # a status left by an earlier kernel with the same (reused) pid
            os.unlink(os.path.join(directory, f"{pid}.exit"))
        except FileNotFoundError:
            pass
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _reap(directory: str) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        path = os.path.join(directory, f"{pid}.exit")
        with open(path + ".tmp", "w", encoding="ascii") as f:
            f.write(str(os.waitstatus_to_exitcode(status)))
        os.replace(path + ".tmp", path)


def _kernel(request: dict[str, Any]) -> None:
    """In the forked child: become the kernel, then exit as a normal interpreter would."""
    import atexit

    code = 0
    try:
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import ipykernel_launcher
        from ipykernel.kernelapp import launch_new_instance

        # ipykernel read JPY_PARENT_PID when the zygote imported it: say who to watch again
        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        launch_new_instance(argv=[*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()  # the kernel's (and the user's) exit handlers
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
