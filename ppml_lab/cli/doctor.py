"""``ppml-lab doctor``: check that the environment can run every lesson.

Prints the versions of the key packages, checks the Jupyter kernels, and runs a one-line smoke
computation in each engine that needs a native library (TenSEAL's CKKS, Opacus's DP-SGD step, and
OpenFHE's CKKS in its own Python 3.10 environment, run as a subprocess).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

KERNEL_NAME = "ppml-lab"
OPENFHE_KERNEL_NAME = "ppml-lab-openfhe"
OPENFHE_PYTHON_ENV = "PPML_LAB_OPENFHE_PYTHON"
PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "torch",
    "opacus",
    "tenseal",
    "dp-accounting",
    "phe",
    "gmpy2",
    "cryptography",
    "pynacl",
    "flwr",
    "nbgrader",
    "jupyterlab",
    "matplotlib",
)


def _tenseal_smoke() -> str:
    import tenseal as ts

    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192, coeff_mod_bit_sizes=[60, 40, 40, 60])
    ctx.global_scale = 2**40
    got = (ts.ckks_vector(ctx, [1.0, 2.0, 3.0]) * 2.0).decrypt()
    if max(abs(g - w) for g, w in zip(got, [2.0, 4.0, 6.0], strict=True)) > 1e-3:
        raise RuntimeError(f"CKKS gave {got}")
    return "CKKS encrypt, multiply, decrypt: ok"


def _opacus_smoke() -> str:
    import warnings

    import torch
    from opacus import PrivacyEngine

    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randint(0, 2, (32,)))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = PrivacyEngine(accountant="rdp")
        model, optimizer, loader = engine.make_private(
            module=model, optimizer=optimizer, data_loader=loader, noise_multiplier=1.0, max_grad_norm=1.0
        )
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        eps = engine.get_epsilon(1e-5)
    return f"DP-SGD epoch through Opacus: ok (epsilon {eps:.2f})"


def _kernel_check() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if KERNEL_NAME not in specs:
        raise RuntimeError(f"kernel {KERNEL_NAME!r} is not registered (run `make lab` or `make test` once)")
    return f"kernel {KERNEL_NAME!r}: {specs[KERNEL_NAME]}"


class CheckSkipped(Exception):
    """A check that does not apply here (reported, not a failure)."""


def openfhe_python() -> Path:
    """The OpenFHE environment's interpreter: ``$PPML_LAB_OPENFHE_PYTHON`` or the kit's ``.venv-openfhe``."""
    import ppml_lab

    default = Path(ppml_lab.__file__).resolve().parents[1] / ".venv-openfhe" / "bin" / "python"
    return Path(os.environ.get(OPENFHE_PYTHON_ENV, default))


# Runs in the OpenFHE environment: the kit's datasets import there, and a CKKS product decrypts
# (a tiny insecure ring, only to exercise the native library).
_OPENFHE_SMOKE = """
import importlib.metadata, openfhe as o
import ppml_lab.datasets
p = o.CCParamsCKKSRNS()
p.SetSecurityLevel(o.HEStd_NotSet); p.SetRingDim(1 << 11); p.SetMultiplicativeDepth(1)
p.SetScalingModSize(40); p.SetBatchSize(4)
cc = o.GenCryptoContext(p); cc.Enable(o.PKE); cc.Enable(o.KEYSWITCH); cc.Enable(o.LEVELEDSHE)
k = cc.KeyGen(); cc.EvalMultKeyGen(k.secretKey)
ct = cc.Encrypt(k.publicKey, cc.MakeCKKSPackedPlaintext([1.0, 2.0, 3.0, 4.0]))
pt = cc.Decrypt(k.secretKey, cc.EvalMult(ct, ct)); pt.SetLength(4)
print(importlib.metadata.version("openfhe"), max(abs(a - b) for a, b in zip(pt.GetRealPackedValue(), [1, 4, 9, 16])))
"""


def _openfhe_check() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    python = openfhe_python()
    if not python.exists():
        message = f"no OpenFHE environment at {python} (`make env` builds it with Python 3.10)"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            raise RuntimeError(message)
        raise CheckSkipped(message)
    done = subprocess.run(
        [str(python), "-c", _OPENFHE_SMOKE], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{python} failed the CKKS smoke test: {done.stderr.strip()[-800:]}")
    version, error = done.stdout.split()
    if float(error) > 1e-3:
        raise RuntimeError(f"OpenFHE CKKS gave an error of {error}")
    specs = KernelSpecManager().find_kernel_specs()
    if OPENFHE_KERNEL_NAME not in specs:
        raise RuntimeError(f"kernel {OPENFHE_KERNEL_NAME!r} is not registered (run `make env`)")
    return (
        f"openfhe {version} in {python}: CKKS encrypt, multiply, decrypt ok; kernel {OPENFHE_KERNEL_NAME!r}"
    )


def _import_check() -> str:
    import ppml_lab

    return f"ppml_lab {ppml_lab.__version__} imports"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("kit", _import_check),
    ("kernel", _kernel_check),
    ("tenseal", _tenseal_smoke),
    ("opacus", _opacus_smoke),
    ("openfhe", _openfhe_check),
)


def run(args: argparse.Namespace) -> int:  # noqa: ARG001 - no options yet
    """Print versions and run each check; exit 1 if any failed."""
    print(f"python {platform.python_version()} ({platform.machine()})")
    missing = []
    for name in PACKAGES:
        try:
            print(f"  {name:14s} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            print(f"  {name:14s} MISSING")
            missing.append(name)
    failed = list(missing)
    for label, check in CHECKS:
        try:
            print(f"[ok]   {label}: {check()}")
        except CheckSkipped as exc:
            print(f"[skip] {label}: {exc}")
        except Exception as exc:  # report every failure, then exit non-zero
            print(f"[FAIL] {label}: {type(exc).__name__}: {exc}")
            failed.append(label)
    if failed:
        print(f"doctor: problems with {', '.join(failed)}")
        return 1
    print("doctor: all checks passed")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor", help="check packages, the kernels, TenSEAL, Opacus and OpenFHE", description=__doc__
    )
    parser.set_defaults(func=run)
