"""`make lab` serves JupyterLab with the kit's kernel: start it headless on loopback and ask."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback only
        return resp.status, resp.read()


def test_jupyterlab_serves_lab_and_lists_the_kit_kernel(tmp_path):
    port = _free_port()
    token = "ppml-lab-test"
    env = dict(
        os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg")
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT / 'course'}",
            "--ServerApp.port_retries=0",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            try:
                status, page = _get(f"{base}/lab?token={token}")
                break
            except OSError:
                assert proc.poll() is None, "jupyter lab exited before answering"
                time.sleep(0.5)
        assert status == 200, "JupyterLab did not answer /lab within 90 s"
        assert b"JupyterLab" in page or b"jupyter" in page.lower()
        _, body = _get(f"{base}/api/kernelspecs?token={token}")
        specs = json.loads(body)["kernelspecs"]
        assert "ppml-lab" in specs, f"kit kernel not listed: {sorted(specs)}"
        assert specs["ppml-lab"]["spec"]["display_name"] == "Python 3 (ppml-lab)"
        _, body = _get(f"{base}/api/contents?token={token}")
        assert "00_orientation" in {item["name"] for item in json.loads(body)["content"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode is not None
