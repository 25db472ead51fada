"""Run a learner's kernel under limits and away from the grader's files.

Every submission gets its own Jupyter kernel, started from a *zygote*: a process that imported the
lesson's heavy modules once (NumPy, pandas, PyTorch through ``ppml_lab``, the hidden tests'
helpers), took the tamper guard's snapshot (``autograder.guard``), and then forks one kernel per
submission. The forked kernel, before it runs any learner code:

* starts its own session (so signals reach it and its children, not the grader);
* when the grader runs as root, enters new mount and network namespaces: ``solutions/``, the
  kit's ``.git``, every grading folder, ``/tmp``, ``/root`` and ``/home`` are covered by empty
  file systems, the kit is read-only, and the network is a loopback with nothing behind it
  (the kernel talks to the grader over Unix sockets, which still work);
* sets resource limits: address space (``memory_mb`` on top of what the preloaded modules
  already map), file size, no core files, and ``RLIMIT_NPROC`` for processes *and threads*;
* when root, drops to a throw-away user id (``UID_BASE`` + the worker's pid). This is what makes
  ``RLIMIT_NPROC`` bind: the kernel refuses it nothing for root, and it counts every process of a
  user, so only a user id of its own gives the kernel a cap that is its own. It also lets the
  grader kill every process the submission started, fork bombs included, in one sweep.

What cannot be enforced on a machine is detected and reported (``detect_isolation``): without
root and without bubblewrap there are no namespaces, the kernel runs as the grader's user, and
``RLIMIT_NPROC`` counts all of that user's processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ppml_lab._checks import check_float, check_int

ROOT = Path(__file__).resolve().parent.parent
UID_BASE = 1_500_000_000
# Thread pools sized to the machine would multiply across parallel kernels; one thread each.
SINGLE_THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}
MPL_INLINE = "module://matplotlib_inline.backend_inline"
# Names a lesson imports that are not preloaded. (pyplot is: it resolves its backend at the first
# figure, inside the kernel, where the inline backend then hooks into the running shell.)
_NO_PRELOAD = ("IPython", "ipywidgets", "google", "tensorflow")

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


@dataclass(frozen=True)
class Limits:
    """What one submission's kernel may use.

    ``cell_seconds`` and ``notebook_seconds`` are wall-clock limits; ``memory_mb`` is the address
    space learner code may add to what the preloaded modules already map; ``max_processes``
    counts processes and threads of the kernel's user; ``output_bytes`` caps what one cell may
    print or display (the rest is dropped with a note); ``file_mb`` caps any one file written.
    """

    cell_seconds: float = 120.0
    notebook_seconds: float = 900.0
    memory_mb: int = 4096
    max_processes: int = 256
    output_bytes: int = 10_000_000
    file_mb: int = 512
    tmp_mb: int = 512

    def __post_init__(self) -> None:
        check_float("cell_seconds", self.cell_seconds, minimum=1.0)
        check_float("notebook_seconds", self.notebook_seconds, minimum=1.0)
        check_int("memory_mb", self.memory_mb, minimum=64)
        check_int("max_processes", self.max_processes, minimum=16)
        check_int("output_bytes", self.output_bytes, minimum=1024)
        check_int("file_mb", self.file_mb, minimum=1)
        check_int("tmp_mb", self.tmp_mb, minimum=1)

    def to_dict(self) -> dict[str, Any]:
        """The limits as plain values (for JSON and reports)."""
        return asdict(self)


@dataclass(frozen=True)
class Isolation:
    """What this machine lets the grader enforce, found by ``detect_isolation``."""

    root: bool
    drop_uid: bool
    namespaces: bool
    bwrap: str | None
    nproc_binding: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def network_blocked(self) -> bool:
        """True when the kernel has no network but loopback."""
        return self.namespaces or self.bwrap is not None

    @property
    def files_hidden(self) -> bool:
        """True when solutions, grading folders and /tmp are hidden from the kernel."""
        return self.namespaces or self.bwrap is not None

    def describe(self) -> list[str]:
        """One line per property, for the command line and the report."""
        yes = {True: "yes", False: "NO"}
        lines = [
            "kernel user: " + ("a throw-away uid per worker" if self.drop_uid else "the grader's own user"),
            f"network cut off: {yes[self.network_blocked]}"
            + (" (bubblewrap)" if self.bwrap and not self.namespaces else ""),
            f"solutions, grading folders and /tmp hidden: {yes[self.files_hidden]}",
            f"RLIMIT_NPROC binds the kernel: {yes[self.nproc_binding]}",
        ]
        return lines + list(self.notes)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data


def interpreter_dirs() -> list[str]:
    """Folders the kernel's interpreter needs to read (its installation and environment)."""
    dirs = {os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix)}
    return sorted(dirs)


def _world_traversable(path: str) -> bool:
    """True when a user other than the owner can reach ``path`` (every ancestor is o+x)."""
    current = Path(path).resolve()
    for folder in [current, *current.parents]:
        if not os.stat(folder).st_mode & 0o001:
            return False
    return True


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _namespaces_work() -> bool:
    """Try mount and network namespaces in a throw-away child (they need root here)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            ok = _libc().unshare(_CLONE_NEWNS | _CLONE_NEWNET) == 0
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


_ISOLATION: Isolation | None = None


def detect_isolation(*, use_bwrap: bool = True) -> Isolation:
    """What the kernel sandbox can enforce on this machine (cached)."""
    global _ISOLATION
    if _ISOLATION is not None and use_bwrap:
        return _ISOLATION
    root = os.geteuid() == 0
    bwrap = shutil.which("bwrap") if use_bwrap else None
    namespaces = root and sys.platform.startswith("linux") and _namespaces_work()
    notes = []
    if not bwrap:
        notes.append("bubblewrap (bwrap) not found")
    if root and not namespaces:
        notes.append("mount/network namespaces refused: files and network are not isolated")
    elif not root:
        notes.append(
            "not root: the kernel runs as the grader's user; RLIMIT_NPROC counts all of that user's processes"
        )
        if not bwrap:
            notes.append("no namespaces: the kernel can read what the grader can read, and use the network")
    drop_uid = root
    if root and not namespaces and not all(_world_traversable(d) for d in interpreter_dirs()):
        drop_uid = False
        notes.append("the interpreter lives in a private folder: the kernel keeps the grader's user id, "
                     "and RLIMIT_NPROC, which never binds root, does not bind it")
    elif root:
        notes.append("running as root: RLIMIT_NPROC never binds root, so the kernel drops to a throw-away user id")
    iso = Isolation(
        root=root,
        drop_uid=drop_uid,
        namespaces=namespaces,
        bwrap=None if namespaces else bwrap,
        nproc_binding=drop_uid,
        notes=tuple(notes),
    )
    if use_bwrap:
        _ISOLATION = iso
    return iso


def bwrap_command(bwrap: str, argv: Sequence[str], *, hide: Iterable[str], bind: Iterable[str]) -> list[str]:
    """Wrap ``argv`` in bubblewrap: no network, read-only file system, ``hide`` covered, ``bind`` writable.

    Used for the zygote when the grader is not root but bubblewrap is installed; the kernels it
    forks inherit the sandbox.
    """
    cmd = [bwrap, "--die-with-parent", "--unshare-net", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for path in sorted({str(p) for p in hide}, key=len):
        if Path(path).exists():
            cmd += ["--tmpfs", path]
    for path in sorted({str(p) for p in bind}, key=len):
        cmd += ["--bind", path, path]
    return [*cmd, "--", *argv]


def imports_of(source: str) -> list[str]:
    """Top-level module names imported by a code cell (``import a.b``, ``from a.b import c``)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def preload_modules(sources: Iterable[str]) -> list[str]:
    """Modules worth importing in the zygote: what the lesson imports, the kernel and the guard."""
    names: list[str] = []
    for src in sources:
        for name in imports_of(src):
            if name.startswith(_NO_PRELOAD) or name in names:
                continue
            names.append(name)
    base = ["numpy", "matplotlib", "matplotlib.font_manager", "autograder.checks", "autograder.guard"]
    base += ["ipykernel.kernelapp", "ipykernel.ipkernel"]
    return [*names, *(b for b in base if b not in names)]


# --------------------------------------------------------------------------------------------
# The zygote: a server process that forks kernels.
# --------------------------------------------------------------------------------------------


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
    """``python -m autograder.sandbox zygote``: preload, snapshot, then fork kernels on request."""
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
        argv = [sys.executable, "-Xfrozen_modules=off", "-m", "autograder.sandbox", "zygote"]
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


# --------------------------------------------------------------------------------------------
# Per-submission sandbox, used by the kernel manager below.
# --------------------------------------------------------------------------------------------


def _proc_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _proc_sid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
        return int(stat.rsplit(")", 1)[1].split()[4])
    except (OSError, ValueError, IndexError):
        return None


def _zombie(pid: str) -> bool:
    """True for a process that has exited and waits for its parent to collect it (or is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def _user_threads(uid: int) -> int:
    total = 0
    for pid in _all_pids():
        if _proc_uid(pid) == uid:
            with contextlib.suppress(OSError):
                total += len(os.listdir(f"/proc/{pid}/task"))
    return total


def _all_pids() -> list[int]:
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def _owned_dir(path: Path, mode: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


@dataclass
class KernelSandbox:
    """Everything the kernel manager needs to start one submission's kernel."""

    zygote: Zygote
    isolation: Isolation
    limits: Limits
    area: Path  # this submission's kernel area (traversable, not listable)
    uid: int | None
    hide: list[str]
    readonly: list[str]
    extra_env: dict[str, str] = field(default_factory=dict)
    kernel_pids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cleared = True  # no kernel started yet
        _owned_dir(self.area, 0o711)
        self.run_dir = self.area / f"run-{uuid.uuid4().hex[:8]}"
        self.home = self.area / "home"

    def kernel_env(self, base: dict[str, str] | None) -> dict[str, str]:
        """The kernel's environment: nothing of the grader's but what a kernel needs."""
        keep = ("LANG", "LC_ALL", "TZ", "PPML_LAB_FAST", "JPY_SESSION_NAME", "TERM")
        env = {k: v for k, v in (base or {}).items() if k in keep}
        env.update(SINGLE_THREAD_ENV)
        env.update(
            {
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
                "HOME": str(self.home),
                "TMPDIR": "/tmp" if self.isolation.files_hidden else str(self.home),
                "IPYTHONDIR": str(self.home / ".ipython"),
                "MPLBACKEND": MPL_INLINE,
                "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                "JPY_PARENT_PID": str(os.getpid()),
            }
        )
        env.update(self.extra_env)
        return env

    def prepare(self, cwd: Path) -> None:
        """Create the run and home folders; hand them and ``cwd`` to the sandbox user."""
        _owned_dir(self.run_dir, 0o700)
        _owned_dir(self.home, 0o700)
        if self.uid is not None:
            for path in (self.run_dir, self.home):
                os.chown(path, self.uid, self.uid)

    def spawn(self, argv: list[str], cwd: Path, env: dict[str, str]) -> int:
        """Ask the zygote for a kernel running ``argv`` (the kernel app's arguments) in ``cwd``."""
        if self.uid is not None and self.processes():
            self.zygote.kill_uid(self.uid)  # nothing left over from an earlier submission
        self.cleared = False
        nproc = None
        if self.isolation.drop_uid:
            nproc = self.limits.max_processes
        elif not self.isolation.root:  # a per-user cap: what the user runs now, plus the allowance
            nproc = _user_threads(os.getuid()) + self.limits.max_processes
        req = {
            "argv": argv,
            "cwd": str(cwd),
            "env": env,
            "uid": self.uid,
            "chown": [str(cwd)] if self.uid is not None else [],
            "expose": [str(cwd), str(self.run_dir), str(self.home), *interpreter_dirs()],
            "hide": self.hide,
            "tmpfs": ["/tmp", "/var/tmp", "/dev/shm"],
            "readonly": self.readonly,
            "limits": self.limits.to_dict(),
            "log": str(self.run_dir / "kernel.log"),
            "namespaces": self.isolation.namespaces,
            "nproc": nproc,
        }
        pid = self.zygote.spawn(req)
        self.kernel_pids.append(pid)
        return pid

    @staticmethod
    def user_pids(uid: int) -> list[int]:
        """Pids of every process of ``uid``."""
        return [p for p in _all_pids() if _proc_uid(p) == uid]

    def processes(self, kernel_pid: int | None = None) -> list[int]:
        """Processes the submission started (the kernel's children, grandchildren, ...)."""
        if self.uid is not None:
            found = []
            with os.scandir("/proc") as entries:
                for entry in entries:
                    if entry.name.isdigit() and int(entry.name) != kernel_pid:
                        with contextlib.suppress(OSError):
                            if entry.stat(follow_symlinks=False).st_uid == self.uid and not _zombie(entry.name):
                                found.append(int(entry.name))
            return found
        sids = set(self.kernel_pids)
        return [p for p in _all_pids() if p not in sids and _proc_sid(p) in sids and not _zombie(str(p))]

    def kill_strays(self, kernel_pid: int | None, rounds: int = 50) -> int:
        """Stop then kill every process of the submission except the kernel; return how many."""
        killed: set[int] = set()
        quiet = 0
        for _ in range(rounds):
            pids = self.processes(kernel_pid)
            if not pids:
                quiet += 1
                if quiet >= 2 or not killed:  # twice empty: no fork was still under way
                    break
                time.sleep(0.05)
                continue
            quiet = 0
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                for pid in pids:
                    with contextlib.suppress(OSError):
                        os.kill(pid, sig)
            killed.update(pids)
            time.sleep(0.01)
        return len(killed)

    def kill_all(self) -> None:
        """End the kernel and everything it started."""
        self.cleared = True
        if self.uid is not None:
            with contextlib.suppress(ZygoteError):
                self.zygote.kill_uid(self.uid)
                return
        for pid in self.kernel_pids:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        self.kill_strays(None)


_CURRENT: KernelSandbox | None = None


def set_current(box: KernelSandbox | None) -> None:
    """Make ``box`` the sandbox the next kernels start in (one submission at a time per worker)."""
    global _CURRENT
    _CURRENT = box


def current_or_none() -> KernelSandbox | None:
    """The sandbox set by ``set_current``, or ``None`` (plain nbgrader: no sandbox)."""
    return _CURRENT


def current() -> KernelSandbox:
    """The sandbox set by ``set_current``."""
    if _CURRENT is None:
        raise RuntimeError("no kernel sandbox is set: call autograder.sandbox.set_current first")
    return _CURRENT


# --------------------------------------------------------------------------------------------
# jupyter_client glue: a kernel manager whose kernels come from the zygote.
# --------------------------------------------------------------------------------------------

from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from jupyter_client.provisioning.local_provisioner import LocalProvisioner  # noqa: E402


class _ForkedKernel:
    """A ``Popen``-like handle on a kernel forked by the zygote (not a child of this process)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, box: KernelSandbox) -> None:
        self.pid = pid
        self.box = box
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        try:
            with open(f"/proc/{self.pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            state = "X"
        if state in ("Z", "X"):
            status = self.box.zygote.exit_status(self.pid)
            self.returncode = -9 if status is None else int(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.05)
        return int(self.returncode or 0)

    def send_signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class SandboxProvisioner(LocalProvisioner):
    """Starts the kernel through the current sandbox's zygote instead of ``Popen``."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        box = current()
        argv = list(cmd)
        if "ipykernel_launcher" in argv:
            argv = argv[argv.index("ipykernel_launcher") + 1:]
        cwd = Path(kwargs.get("cwd") or box.home)
        box.prepare(cwd)
        conn = Path(self.parent.connection_file)
        if box.uid is not None:
            os.chown(conn, box.uid, box.uid)
        env = box.kernel_env(kwargs.get("env"))
        pid = await asyncio.get_running_loop().run_in_executor(None, box.spawn, argv, cwd, env)
        self.process = _ForkedKernel(pid, box)
        self.pid = self.pgid = pid
        self.cwd = str(cwd)
        return self.connection_info

    async def wait(self) -> int | None:
        ret = 0
        if self.process:
            while await self.poll() is None:
                await asyncio.sleep(0.05)
            ret = self.process.wait()
            self.process = None
        return ret


class SandboxKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` for sandboxed kernels: Unix-socket transport, zygote-forked process."""

    async def _async_pre_start_kernel(self, **kw: Any):
        box = current()
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        _owned_dir(box.run_dir, 0o700)
        if box.uid is not None:
            os.chown(box.run_dir, box.uid, box.uid)
        self.transport = "ipc"
        self.ip = str(box.run_dir / "k")
        self.connection_file = str(box.run_dir / "connection.json")
        if self.provisioner is None:
            self.provisioner = SandboxProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["zygote"]:
        zygote_main()
    else:
        sys.exit("usage: python -m autograder.sandbox zygote")
