"""Federated learning: clients, a server, strategies, non-IID partitioners, simulation, DP-FedAvg, Flower.

In the order of the lessons:

* :mod:`.parameters` — models travel as lists of NumPy arrays; a client's answer is a ``FitRes``.
* :mod:`.client` — :class:`TorchClient`: local training (FedProx term, personal layers, local DP).
* :mod:`.strategy` — FedAvg, FedProx, FedAvgM, FedAdam, FedYogi, the robust FedMedian,
  FedTrimmedAvg and Krum (their rules in :mod:`.robust`), and ClusteredFedAvg; :mod:`.aggregation` — the swappable averaging
  step (plaintext by default, secure aggregation from :mod:`ppml_lab.secagg`).
* :mod:`.server` — the round loop and the :class:`History` of latency, bytes and accuracy;
  :mod:`.simulation` — all clients in this process, with dropouts, stragglers and attackers.
* :mod:`.partition` — Dirichlet label skew, quantity skew, scanner feature skew, skew report;
  :mod:`.personalization` — FedPer layers (and the server's shared-only average) and local fine-tuning;
  :mod:`.communication` — bytes per round, top-k and 8-bit compressed updates;
  :mod:`.robust` — coordinate median, trimmed mean and Krum.
* :mod:`.linear` — lesson 05's exercises on a logistic-regression vector: :func:`client_update`
  (E local epochs of minibatch SGD), :func:`dp_fedavg_round` (clip each update, noise on the sum,
  fixed denominator) and :func:`dp_fedavg_epsilon`.
* :mod:`.dp` — DP-FedAvg with the RDP accountant.
* :mod:`.hospitals` — the MRI consortium as one :class:`FederationConfig`;
  :mod:`.flower` — the same run on Flower's deployment engine (imported on demand).
"""

from ppml_lab.fl.aggregation import Aggregator
from ppml_lab.fl.client import TorchClient, proximal_term
from ppml_lab.fl.communication import dequantize_int8, from_top_k, quantize_int8, round_bytes, top_k
from ppml_lab.fl.dp import DPFedAvg
from ppml_lab.fl.hospitals import FederationConfig, centralized_baseline, hospital_clients
from ppml_lab.fl.linear import client_update, dp_fedavg_epsilon, dp_fedavg_round
from ppml_lab.fl.parameters import FitRes, get_parameters, nbytes, set_parameters, weighted_average
from ppml_lab.fl.partition import (
    dirichlet_label_split,
    label_skew_tv,
    quantity_skew_split,
    scanner_profiles,
    skew_report,
)
from ppml_lab.fl.personalization import fedper_aggregate, fedper_split, fine_tune_accuracy
from ppml_lab.fl.registry import STRATEGIES, make_strategy
from ppml_lab.fl.robust import coordinate_median, krum, krum_scores, robust_aggregate, trimmed_mean
from ppml_lab.fl.server import History, Server
from ppml_lab.fl.simulation import InProcessTransport, run_simulation
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

__all__ = [
    "STRATEGIES",
    "Aggregator",
    "ClusteredFedAvg",
    "DPFedAvg",
    "FedAdam",
    "FedAvg",
    "FedAvgM",
    "FedMedian",
    "FedProx",
    "FedTrimmedAvg",
    "FedYogi",
    "FederationConfig",
    "FitRes",
    "History",
    "InProcessTransport",
    "Krum",
    "Server",
    "TorchClient",
    "centralized_baseline",
    "client_update",
    "coordinate_median",
    "dequantize_int8",
    "dirichlet_label_split",
    "dp_fedavg_epsilon",
    "dp_fedavg_round",
    "fedper_aggregate",
    "fedper_split",
    "fine_tune_accuracy",
    "from_top_k",
    "get_parameters",
    "hospital_clients",
    "krum",
    "krum_scores",
    "label_skew_tv",
    "make_strategy",
    "nbytes",
    "proximal_term",
    "quantize_int8",
    "quantity_skew_split",
    "robust_aggregate",
    "round_bytes",
    "run_simulation",
    "scanner_profiles",
    "set_parameters",
    "skew_report",
    "top_k",
    "trimmed_mean",
    "weighted_average",
]
