"""Strategies by name: the one table a command line, a :class:`FederationConfig` or a Flower run
config picks a strategy from.

It lives apart from :mod:`.strategy` and :mod:`.dp` so that neither imports the other to build it
(DP-FedAvg is a FedAvg, so :mod:`.dp` imports :mod:`.strategy`, never the reverse).
"""

from __future__ import annotations

from ppml_lab._checks import check_choice
from ppml_lab.fl.dp import DPFedAvg
from ppml_lab.fl.strategy import (
    ClusteredFedAvg,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedMedian,
    FedProx,
    FedTrimmedAvg,
    FedYogi,
    Krum,
)

STRATEGIES: dict[str, type[FedAvg]] = {
    "fedavg": FedAvg,
    "fedprox": FedProx,
    "fedavgm": FedAvgM,
    "fedadam": FedAdam,
    "fedyogi": FedYogi,
    "fedmedian": FedMedian,
    "fedtrimmedavg": FedTrimmedAvg,
    "krum": Krum,
    "clustered": ClusteredFedAvg,
    "dpfedavg": DPFedAvg,
}


def make_strategy(name: str, **kwargs) -> FedAvg:
    """A strategy by name (the names of ``STRATEGIES``), with its keyword arguments."""
    return STRATEGIES[check_choice("name", name, list(STRATEGIES))](**kwargs)
