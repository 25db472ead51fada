"""jupyter_client glue: a kernel manager whose kernels come from the current sandbox's zygote.

nbgrader's execute step asks ``SandboxKernelManager`` for a kernel; its provisioner asks the
zygote (``autograder.zygote``) to fork one into the sandbox ``autograder.sandbox.current()``
describes, and talks to it over Unix sockets in that sandbox's run folder.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from autograder.sandbox import KernelSandbox, _owned_dir, current


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
