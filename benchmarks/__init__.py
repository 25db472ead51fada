"""ppml-lab benchmarks: each ``bench_<name>.py`` module measures one engine against a baseline
measured in the same run (run them with ``make bench`` or ``make bench B=<name>``)."""
