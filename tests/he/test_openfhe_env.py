"""Runs the OpenFHE engine's tests in their own environment (``.venv-openfhe``, Python 3.10).

``make env`` builds that environment beside the main one. Without it the test is skipped, except in
CI (``CI=true``), where a missing OpenFHE environment is a failure.
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(os.environ.get("PPML_LAB_OPENFHE_PYTHON", ROOT / ".venv-openfhe" / "bin" / "python"))
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.mark.slow
def test_openfhe_suite_passes_in_its_environment():
    if not PYTHON.exists():
        if IN_CI:
            pytest.fail(f"CI must run the OpenFHE tests, but {PYTHON} is missing (run `make env`)")
        pytest.skip(f"no OpenFHE environment at {PYTHON}: `make env` builds it")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [
        str(PYTHON),
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--noconftest",
        str(ROOT / "tests" / "he" / "test_openfhe_backend.py"),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=840, check=False)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, f"OpenFHE tests failed in {PYTHON}:\n{report}"
    assert " passed" in done.stdout and " skipped" not in done.stdout, report  # they ran, all of them


def test_doctor_checks_the_openfhe_environment():
    from ppml_lab.cli import doctor

    if not PYTHON.exists() and not IN_CI:
        pytest.skip(f"no OpenFHE environment at {PYTHON}: `make env` builds it")
    report = doctor._openfhe_check()
    assert "openfhe 1.6.1" in report and f"kernel {doctor.OPENFHE_KERNEL_NAME!r}" in report


def test_doctor_skips_a_missing_openfhe_environment_except_in_ci(monkeypatch, tmp_path):
    from ppml_lab.cli import doctor

    monkeypatch.setenv(doctor.OPENFHE_PYTHON_ENV, str(tmp_path / "missing" / "python"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(doctor.CheckSkipped, match="no OpenFHE environment"):
        doctor._openfhe_check()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="no OpenFHE environment"):
        doctor._openfhe_check()
