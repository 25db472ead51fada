"""``python -m benchmarks [name ...] [--fast]``: run benchmarks, print one table, write JSON.

Exits 1 when a benchmark raises or a figure misses its target (``missed: <bench>: <figure>`` on
stderr for each), so ``make bench`` fails on a miss.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from benchmarks.harness import available, format_table, run_benchmark, write_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {available()})")
    parser.add_argument("--fast", action="store_true", help="small sizes (a smoke run, not a measurement)")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    results, failed = {}, []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            records = run_benchmark(name, fast=args.fast)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        results[name] = records
        print(f"   wrote {write_results(name, records)}", flush=True)
    print()
    print(format_table(results))
    missed = [(name, r.figure) for name, records in results.items() for r in records if r.met is False]
    for name, figure in missed:  # a missed target fails the run, like a broken benchmark
        print(f"missed: {name}: {figure}", file=sys.stderr)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
