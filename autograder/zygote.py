"""The zygote: a server process that imported the lesson's modules once and forks one kernel per
request, and its client.

The forked child isolates itself (``_become_kernel``: session, namespaces, limits, user id) before
it starts the IPython kernel; the grader asks for kernels, exit statuses and the killing of a
sandbox user over a line-per-request JSON protocol on the zygote's stdin and stdout.
``autograder.sandbox`` decides what each kernel gets; this module only carries it out.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _vm_size_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        req = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, req)[:18])[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b""))  # SIOCSIFFLAGS, IFF_UP


def _mount(libc: ctypes.CDLL, source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    rc = libc.mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _under(path: str, parents: Iterable[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parents)


def _enter_namespaces(req: dict[str, Any]) -> None:
    """New mount and network namespaces: kit read-only, secrets covered, own dirs bound back."""
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE, None)
    _loopback_up()
    expose = [p for p in req["expose"] if os.path.isdir(p)]
    fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in expose}
    for path in req["readonly"]:
        if os.path.isdir(path):
            _mount(libc, path, path, None, _MS_BIND | _MS_REC, None)
            _mount(libc, None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None)
    covered: list[str] = []
    tmp_size = f"size={int(req['limits']['tmp_mb'])}m"
    for path, writable in sorted(
        [(p, False) for p in req["hide"]] + [(p, True) for p in req["tmpfs"]], key=lambda t: len(t[0])
    ):
        if _under(path, covered) or not os.path.isdir(path):
            continue
        opts = f"{tmp_size},mode=1777" if writable else "size=1m,mode=0755"
        _mount(libc, "tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, opts)
        covered.append(path)
    for path, fd in fds.items():
        if _under(path, covered):
            os.makedirs(path, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", path, None, _MS_BIND, None)
        os.close(fd)


def _set_limits(req: dict[str, Any]) -> None:
    import resource

    lim = req["limits"]
    address_space = _vm_size_bytes() + int(lim["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    size = int(lim["file_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if req.get("nproc"):
        n = int(req["nproc"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


def _become_kernel(req: dict[str, Any], proto_fds: Sequence[int], zygote_pid: int) -> None:
    """In the forked child: isolate, limit, drop privileges, then run the IPython kernel."""
    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL if sig != signal.SIGINT else signal.default_int_handler)
    for fd in proto_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    if req.get("namespaces"):
        _enter_namespaces(req)
    uid = req.get("uid")
    for path in req.get("chown", []):
        for dirpath, _dirs, files in os.walk(path):
            os.lchown(dirpath, uid, uid)
            for name in files:
                os.lchown(os.path.join(dirpath, name), uid, uid)
    if uid is not None:
        os.lchown(req["log"], uid, uid)
    _set_limits(req)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    libc = _libc()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote_pid:
        os._exit(1)
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # the legacy global generator was seeded once, in the zygote
    sys.argv = ["ipykernel_launcher", *req["argv"]]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(list(req["argv"]))
    _cap_streams(max(1024, int(req["limits"]["output_bytes"]) - 200))  # room for the note
    app.start()


class _CappedWrite:
    """``write`` for the kernel's stdout/stderr that drops what one request prints beyond ``limit``.

    The grader enforces the same cap on what it receives; doing it here first spares both sides
    serializing output nobody will keep. Learner code can undo this; the grader's cap stays.
    """

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.write_through = stream.write
        self.limit = limit
        self.request: Any = None
        self.used = 0

    def __call__(self, text: str) -> int:
        request = (getattr(self.stream, "parent_header", None) or {}).get("msg_id")
        if request != self.request:
            self.request, self.used = request, 0
        room = self.limit - self.used
        if room <= 0:
            return len(text)
        self.used += len(text)
        if len(text) > room:
            self.write_through(text[:room])
            self.write_through(f"\n[ppml-lab: output beyond {self.limit:,} characters was dropped]\n")
            return len(text)
        return self.write_through(text)


def _cap_streams(limit: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "parent_header"):
            stream.write = _CappedWrite(stream, limit)


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid``: as that user, ``kill(-1)`` reaches all of them at once.

    SIGCHLD stays blocked until the killer is waited for: the zygote's SIGCHLD handler reaps every
    child, and if it ran while this waits (the kernel's death interrupts the wait) and the killer had
    ended by then, it would reap the killer too and the wait would fail with ECHILD.
    """
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        raise
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            # kill(-1) reaches every process of the user at once; a few rounds catch children that
            # were being forked while a round went by (a fork bomb cannot grow: RLIMIT_NPROC binds)
            for _ in range(20):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    os._exit(0)
                time.sleep(0.001)
            os._exit(0)
        except BaseException:
            os._exit(2)
    try:
        os.waitpid(pid, 0)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _reap_children(exits: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        exits[pid] = os.waitstatus_to_exitcode(status)


def zygote_main() -> None:  # pragma: no cover - exercised through Zygote in the tests
    """``python -m autograder.zygote zygote``: preload, snapshot, then fork kernels on request."""
    libc = _libc()
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    proto_in = os.fdopen(os.dup(0), "r")
    proto_out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # stray prints from imported libraries must not corrupt the protocol
    here = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", here)]
    exits: dict[int, int] = {}

    def reply(obj: dict[str, Any]) -> None:
        proto_out.write(json.dumps(obj) + "\n")
        proto_out.flush()

    init = json.loads(proto_in.readline())
    start = time.perf_counter()
    failed = []
    for name in init.get("preload", []):
        try:
            __import__(name)
        except Exception as exc:  # a lesson's optional import must not stop grading
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    guard = sys.modules.get("autograder.guard")
    if guard is not None:
        guard.take_snapshot()
    reply({"ready": True, "seconds": time.perf_counter() - start, "failed": failed, "pid": os.getpid()})
    signal.signal(signal.SIGCHLD, lambda *_: _reap_children(exits))
    for line in proto_in:
        try:
            req = json.loads(line)
            op = req.get("op")
        except (ValueError, AttributeError) as exc:  # a garbled request must not end the zygote
            sys.stderr.write(f"zygote: unreadable request {line[:200]!r}: {exc}\n")
            sys.stderr.flush()
            reply({"error": f"unreadable request: {exc}"})
            continue
        try:
            if _serve(op, req, reply, exits, proto_in, proto_out):
                break
        except Exception as exc:  # report, keep serving: one failed request is not a dead grader
            sys.stderr.write(traceback.format_exc())
            sys.stderr.flush()
            reply({"error": f"{op} failed: {type(exc).__name__}: {exc}"})
    os._exit(0)


def _serve(op: Any, req: dict[str, Any], reply: Any, exits: dict[int, int], proto_in: Any, proto_out: Any) -> bool:
    """Answer one zygote request; return True when asked to quit."""
    if op == "spawn":
        try:
            pid = os.fork()
        except OSError as exc:
            reply({"error": f"fork failed: {exc}"})
            return False
        if pid == 0:
            code = 70
            try:
                _become_kernel(req, (proto_in.fileno(), proto_out.fileno()), os.getppid())
                code = 0
            except BaseException:
                with contextlib.suppress(Exception):
                    sys.stderr.write(traceback.format_exc())
                    sys.stderr.flush()
            finally:
                os._exit(code)
        reply({"pid": pid})
    elif op == "kill_uid":
        _kill_uid(int(req["uid"]))
        _reap_children(exits)
        reply({"ok": True})
    elif op == "exit_status":
        _reap_children(exits)
        reply({"status": exits.get(int(req["pid"]))})
    elif op == "quit":
        reply({"ok": True})
        return True
    else:
        reply({"error": f"unknown request {op!r}"})
    return False


class ZygoteError(RuntimeError):
    """The zygote could not start or answer."""


class Zygote:
    """Client side of the zygote: started once per grading worker, forks one kernel per request."""

    def __init__(self, preload: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path,
                 wrap: Sequence[str] | None = None) -> None:
        self.preload = list(preload)
        self.env = env
        self.cwd = Path(cwd)
        self.log_path = Path(log)
        self.wrap = list(wrap or [])
        self.proc: subprocess.Popen[str] | None = None
        self.pid: int | None = None
        self.startup_seconds = 0.0
        self.failed_preloads: list[str] = []
        self._lock = threading.RLock()

    def start(self, timeout: float = 600.0) -> None:
        """Launch the zygote and wait until its modules are imported."""
        argv = [sys.executable, "-Xfrozen_modules=off", "-m", "autograder.zygote", "zygote"]
        self._log = open(self.log_path, "a")  # noqa: SIM115 - kept open for the zygote's lifetime
        self.proc = subprocess.Popen(
            [*self.wrap, *argv] if self.wrap else argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=self.cwd,
            env=self.env,
            text=True,
            start_new_session=True,
        )
        answer = self._call({"op": "init", "preload": self.preload}, timeout=timeout)
        if not answer.get("ready"):
            raise ZygoteError(f"zygote did not start: {answer}")
        self.pid = int(answer["pid"])
        self.startup_seconds = float(answer["seconds"])
        self.failed_preloads = list(answer.get("failed", []))

    def _call(self, req: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        """One request, one answer line. Serialised: the kernel manager polls from its event loop
        while it starts kernels from an executor thread, and a watchdog thread may kill; two requests
        in flight at once would read each other's answers."""
        with self._lock:
            proc = self.proc
            if proc is None or proc.poll() is not None:
                raise ZygoteError(f"zygote is not running (see {self.log_path}){self._log_tail()}")
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(req) + "\n")
                proc.stdin.flush()
            except OSError as exc:  # BrokenPipeError: it died since the poll above
                raise ZygoteError(f"zygote stopped ({exc}; see {self.log_path}){self._log_tail()}") from exc
            ready, _, _ = select.select([proc.stdout], [], [], timeout)
            if not ready:
                # a late answer would be read as the next request's: this zygote cannot be trusted now
                self._discard()
                raise ZygoteError(f"zygote did not answer {req.get('op')!r} within {timeout:.0f} s")
            line = proc.stdout.readline()
            if not line:
                raise ZygoteError(f"zygote exited (see {self.log_path}){self._log_tail()}")
            return json.loads(line)

    def _log_tail(self, lines: int = 5) -> str:
        try:
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        return (": " + " | ".join(tail)) if tail else ""

    def _discard(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=5)

    @property
    def alive(self) -> bool:
        """Whether the zygote process is running."""
        return self.proc is not None and self.proc.poll() is None

    def spawn(self, req: dict[str, Any]) -> int:
        """Fork a kernel; return its pid."""
        answer = self._call({"op": "spawn", **req})
        if "pid" not in answer:
            raise ZygoteError(answer.get("error", "spawn failed"))
        return int(answer["pid"])

    def kill_uid(self, uid: int) -> None:
        """Kill every process of the sandbox user ``uid`` (and reap the kernel)."""
        self._call({"op": "kill_uid", "uid": uid})

    def exit_status(self, pid: int) -> int | None:
        """Exit status of a kernel the zygote forked, once it has ended."""
        with contextlib.suppress(ZygoteError):
            return self._call({"op": "exit_status", "pid": pid}, timeout=10).get("status")
        return None

    def close(self) -> None:
        """Stop the zygote."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self._call({"op": "quit"}, timeout=5)
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=5)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["zygote"]:
        zygote_main()
    else:
        sys.exit("usage: python -m autograder.zygote zygote")
