"""Federated learning: clients, strategies, non-IID partitioners, simulation, DP-FedAvg.

In the order of the lessons: parameters exchanged as NumPy arrays (:mod:`.parameters`), the client
(:mod:`.client`), strategies (:mod:`.strategy`: FedAvg, FedProx, FedAvgM, FedAdam, FedYogi and the
robust FedMedian, FedTrimmedAvg, Krum), the swappable aggregation step (:mod:`.aggregation`),
non-IID splits (:mod:`.partition`), the simulation loop (:mod:`.simulation`) and DP-FedAvg
(:mod:`.dp`).
"""

from ppml_lab.fl.aggregation import Aggregator
from ppml_lab.fl.client import TorchClient
from ppml_lab.fl.dp import DPFedAvg
from ppml_lab.fl.parameters import get_parameters, nbytes, set_parameters, weighted_average
from ppml_lab.fl.partition import dirichlet_label_split, quantity_skew_split, skew_report
from ppml_lab.fl.simulation import History, run_simulation
from ppml_lab.fl.strategy import FedAdam, FedAvg, FedAvgM, FedMedian, FedProx, FedTrimmedAvg, FedYogi, Krum

__all__ = [
    "Aggregator",
    "DPFedAvg",
    "FedAdam",
    "FedAvg",
    "FedAvgM",
    "FedMedian",
    "FedProx",
    "FedTrimmedAvg",
    "FedYogi",
    "History",
    "Krum",
    "TorchClient",
    "dirichlet_label_split",
    "get_parameters",
    "nbytes",
    "quantity_skew_split",
    "run_simulation",
    "set_parameters",
    "skew_report",
    "weighted_average",
]
