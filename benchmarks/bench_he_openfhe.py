"""``he_openfhe``: non-interactive encrypted LR (OpenFHE, bootstrapped) against the TenSEAL trainers.

The OpenFHE trainer runs in the OpenFHE environment (``.venv-openfhe``, Python 3.10) as a
subprocess of this benchmark: this file, run as a script with ``--worker``, trains and prints its
timings as JSON (epochs with their bootstraps, the bootstraps alone, setup, operation counts, peak
resident memory). Then, in this process and on the same 800 applicants and epochs, the TenSEAL
packed trainer (a key-owner refresh per epoch) and the per-sample baseline (one epoch on a
subsample, scaled to all applicants, as ``he_lr`` times it) run one after the other. The full run
uses the 128-bit preset (N = 2^16); ``--fast`` uses the insecure teaching ring N = 2^12 on 96
applicants, a smoke run only. OpenFHE runs on ``PPML_LAB_OPENFHE_THREADS`` OpenMP threads (default
1: on a shared machine, spinning threads slow the bootstrap several-fold).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPENFHE_PYTHON_ENV = "PPML_LAB_OPENFHE_PYTHON"
MEMORY_LIMIT_GB = 16.0


def openfhe_python() -> Path:
    """The OpenFHE environment's interpreter (``$PPML_LAB_OPENFHE_PYTHON`` or ``.venv-openfhe``)."""
    return Path(os.environ.get(OPENFHE_PYTHON_ENV, ROOT / ".venv-openfhe" / "bin" / "python"))


def _run_worker(preset: str, rows: int, epochs: int) -> dict:
    python = openfhe_python()
    if not python.exists():
        raise FileNotFoundError(f"{python} is missing: run `make env` to build the OpenFHE environment")
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("PPML_LAB_OPENFHE_THREADS", "1")}
    cmd = [str(python), str(Path(__file__).resolve()), "--worker", preset, str(rows), str(epochs)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"OpenFHE worker failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(fast: bool = False) -> list:
    from benchmarks.harness import Record
    from ppml_lab import datasets as ds
    from ppml_lab.he import PackedEncryptedLR, PerSampleEncryptedLR
    from ppml_lab.he.openfhe.plan import train_plaintext_twin

    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    Xtr, _, ytr, _ = ds.train_test_split_arrays(X, y, test_fraction=0.2, seed=0)
    preset, rows, epochs, sub = (
        ("insecure_n4096_boot", 96, 3, 10) if fast else ("n65536_boot", len(Xtr), 5, 40)
    )
    Xtr, ytr = Xtr[:rows], ytr[:rows]
    n, d = Xtr.shape
    result = _run_worker(preset, rows, epochs)
    packed = PackedEncryptedLR(epochs=epochs).fit(Xtr, ytr)
    packed_epoch = statistics.median(packed.epoch_seconds_)
    baseline = PerSampleEncryptedLR(epochs=1).fit(Xtr[:sub], ytr[:sub])
    per_sample_epoch = baseline.epoch_seconds_[0] / sub * n

    epoch_mean = statistics.fmean(result["epoch_seconds"])  # bootstraps included, amortized
    boots = result["bootstrap_seconds"]
    w, b = train_plaintext_twin(Xtr, ytr, epochs=epochs)
    coef, intercept = [float(c) for c in result["coef"]], float(result["intercept"])
    if result["decryptions"] != 1:
        raise RuntimeError(f"the key owner decrypted {result['decryptions']} times; only the model may be")
    plain_acc = float(((X @ w + b > 0) == y).mean())
    enc_acc = float(((X @ coef + intercept > 0) == y).mean())
    ops, per_epoch = result["operations"], 1.0 / epochs
    label = f"{result['description']}; {n} applicants x {d} features, {epochs} epochs"
    return [
        Record(
            "OpenFHE bootstrapped LR: one epoch, bootstraps amortized (vs per-sample TenSEAL, key owner every epoch)",
            epoch_mean,
            "s",
            baseline=per_sample_epoch,
            target="ratio <= 1",
            note=f"{label}; per-sample baseline timed on {sub} applicants and scaled to {n}",
        ),
        Record(
            "OpenFHE bootstrapped LR: one epoch (vs TenSEAL packed trainer with key-owner refresh)",
            epoch_mean,
            "s",
            baseline=packed_epoch,
            note="the packed TenSEAL median epoch; its model is decrypted by the key owner every epoch",
        ),
        Record(
            f"OpenFHE: one bootstrap of the weights (sparse, {result['bootstrap_slots']} slots)",
            statistics.fmean(boots) if boots else 0.0,
            "s",
            note=f"{len(boots)} bootstraps in {epochs} epochs: " + ", ".join(f"{s:.1f}" for s in boots),
        ),
        Record("OpenFHE: bootstraps per epoch", len(boots) * per_epoch, "bootstraps"),
        Record(
            "OpenFHE: rotations per epoch",
            ops.get("rotations", 0) * per_epoch,
            "rotations",
            note=f"per epoch: {ops.get('ciphertext products', 0) * per_epoch:.0f} ciphertext and "
            f"{ops.get('plaintext products', 0) * per_epoch:.0f} plaintext products",
        ),
        Record(
            "OpenFHE: setup (context, keys incl. bootstrapping keys, encrypting the data)",
            result["setup_seconds"],
            "s",
        ),
        Record(
            "OpenFHE: peak resident memory of the training process",
            result["peak_rss_gb"],
            "GB",
            target=f"value <= {MEMORY_LIMIT_GB:g}",
        ),
        Record(
            f"OpenFHE model accuracy on all 1,000 applicants after {epochs} epochs (vs plaintext, same sigmoid)",
            enc_acc,
            "fraction",
            baseline=plain_acc,
        ),
        Record(
            "accuracy gap, OpenFHE minus plaintext",
            abs(enc_acc - plain_acc),
            "fraction",
            target="value <= 0.01",
        ),
        Record(
            "OpenFHE: largest weight error against the plaintext twin",
            max(abs(a - c) for a, c in zip([*coef, intercept], [*w, b], strict=True)),
            "abs",
        ),
    ]


def _import_backend():
    """``ppml_lab.he.openfhe`` from this source tree (the OpenFHE environment has no installed kit)."""
    sys.path.insert(0, str(ROOT))
    import ppml_lab.he.openfhe as backend

    return backend


def _worker(preset: str, rows: int, epochs: int) -> None:
    import resource

    backend = _import_backend()
    from ppml_lab import datasets as ds

    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    Xtr, _, ytr, _ = ds.train_test_split_arrays(X, y, test_fraction=0.2, seed=0)
    params = backend.get_parameters(preset)
    model = backend.BootstrappedEncryptedLR(
        params, epochs=epochs, allow_insecure_for_teaching=not params.is_128_bit_secure
    ).fit(Xtr[:rows], ytr[:rows])
    result = {
        "description": params.describe(),
        "epoch_seconds": model.epoch_seconds_,
        "bootstrap_seconds": model.bootstrap_seconds_,
        "bootstrap_slots": model.layout_.block_columns,
        "setup_seconds": model.setup_seconds_,
        "operations": model.operations_,
        "decryptions": model.owner_.counts["decryptions"],
        "coef": model.coef_.tolist(),
        "intercept": model.intercept_,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    _worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
