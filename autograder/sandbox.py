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

The forking and the child's own isolation are in ``autograder.zygote``; the jupyter_client kernel
manager that asks for kernels is in ``autograder.kernels``; this module holds what a sandbox is:
its limits, the isolation the machine allows, and each submission's ``KernelSandbox``.

What cannot be enforced on a machine is detected and reported (``detect_isolation``): without
root and without bubblewrap there are no namespaces, the kernel runs as the grader's user, and
``RLIMIT_NPROC`` counts all of that user's processes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.zygote import (
    _CLONE_NEWNET,
    _CLONE_NEWNS,
    Zygote,
    ZygoteError,
    _libc,
)
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
