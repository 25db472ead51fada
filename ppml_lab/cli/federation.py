"""``ppml-lab federation``: the hospital consortium on Flower, as real processes on 127.0.0.1.

Starts a SuperLink and one SuperNode per hospital, submits the kit's Flower app with ``flwr run``,
prints accuracy and where each round's latency went, and stops every process it started — also on
Ctrl-C or an error. ``--compare`` also runs the in-process simulation with the same seeds and
reports the largest difference between the two global models.
"""

from __future__ import annotations

import argparse
import time


def _print_history(history, label: str) -> None:
    print(f"{label}: {len(history.rounds)} rounds")
    print(f"  {'round':>5} {'fit s':>7} {'eval s':>7} {'accuracy':>9}  fit-phase breakdown (s)")
    for r in history.rounds:
        acc = r.get("accuracy")
        t = r.get("timing") or {}
        stages = ", ".join(
            f"{k} {t[k]:.2f}" for k in ("spawn_wait", "startup", "build_client", "compute", "return")
            if t.get(k) is not None
        )
        eval_s = r.get("eval_seconds")
        print(
            f"  {r['round']:>5} {r['seconds']:>7.2f} {eval_s if eval_s is not None else float('nan'):>7.2f} "
            f"{acc if acc is not None else float('nan'):>9.3f}  {stages}"
        )


def run(args: argparse.Namespace) -> int:
    """Run the federation on Flower (and optionally the simulation) and report."""
    import numpy as np

    from ppml_lab.fl.flower import run_deployment
    from ppml_lab.fl.hospitals import FederationConfig

    try:
        config = FederationConfig(
            n_hospitals=args.hospitals,
            n_per_hospital=args.scans,
            image_size=args.image_size,
            strategy=args.strategy,
            proximal_mu=args.proximal_mu,
            num_rounds=args.rounds,
            local_epochs=args.local_epochs,
            seed=args.seed,
            data_seed=args.seed,
        )
    except ValueError as exc:
        print(f"ppml-lab federation: {exc}")
        return 2
    print(
        f"Starting a SuperLink and {config.n_hospitals} SuperNodes on 127.0.0.1 "
        f"({config.strategy}, {config.num_rounds} rounds, {config.n_per_hospital} scans per hospital)"
    )
    try:
        result = run_deployment(config, workdir=args.workdir, timeout=args.timeout, keep=args.keep)
    except (RuntimeError, TimeoutError) as exc:
        print(f"ppml-lab federation: the Flower run failed: {exc}")
        return 1
    print(f"Processes up in {result.startup_seconds:.1f} s; run took {result.run_seconds:.1f} s")
    _print_history(result.history, "Flower deployment")
    if args.workdir or args.keep:
        print(f"Logs: {result.log_dir}")
    if args.compare:
        start = time.perf_counter()
        params, history = config.simulate()
        print(f"In-process simulation: {time.perf_counter() - start:.1f} s")
        _print_history(history, "Simulation")
        diff = max(float(np.abs(a - b).max()) for a, b in zip(result.parameters, params, strict=True))
        print(f"Largest difference between the two global models: {diff:.2e}")
    print("Every process started was stopped.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``federation`` subcommand."""
    p = subparsers.add_parser(
        "federation",
        help="run the hospital federation on Flower as real processes on 127.0.0.1",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--hospitals", type=int, default=3, help="number of hospitals (SuperNodes), default 3")
    p.add_argument("--rounds", type=int, default=3, help="federated rounds, default 3")
    p.add_argument("--scans", type=int, default=60, help="MRI slices per hospital, default 60")
    p.add_argument("--image-size", type=int, default=32, choices=(32, 64), help="slice size in pixels")
    p.add_argument("--strategy", default="fedavg", help="fedavg, fedprox, fedavgm, ... (default fedavg)")
    p.add_argument("--proximal-mu", type=float, default=0.0, help="FedProx mu (with --strategy fedprox)")
    p.add_argument("--local-epochs", type=int, default=1, help="local epochs per round, default 1")
    p.add_argument("--seed", type=int, default=0, help="seed of the data, model and client order")
    p.add_argument("--compare", action="store_true", help="also run the in-process simulation and compare")
    p.add_argument("--workdir", default=None, help="keep FLWR_HOME, logs and results here")
    p.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds before the run is abandoned")
    p.set_defaults(func=run)
