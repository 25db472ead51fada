"""The hospital federation as one configuration: the same clients, model and strategy everywhere.

:class:`FederationConfig` holds every value that defines a run of the MRI consortium (data, model,
strategy, rounds, seeds). The simulation (:func:`FederationConfig.simulate`), the Flower apps
(:mod:`ppml_lab.fl.flower`) and ``ppml-lab federation`` all build their clients from it, so the
same configuration gives the same model whichever engine runs it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import torch

from ppml_lab import datasets as ds
from ppml_lab._checks import check_choice, check_float, check_int
from ppml_lab.fl.client import TorchClient
from ppml_lab.fl.parameters import Parameters, get_parameters
from ppml_lab.fl.partition import scanner_profiles
from ppml_lab.fl.registry import STRATEGIES, make_strategy
from ppml_lab.fl.server import History
from ppml_lab.models import LogisticRegressionModel, SmallCNN


def hospital_clients(
    hospitals: list[ds.HospitalScans], model_fn, *, test_fraction: float = 0.25, seed: int = 0, **client_kwargs
) -> list[TorchClient]:
    """One :class:`TorchClient` per hospital; the last ``test_fraction`` of its scans is its test set."""
    test_fraction = check_float("test_fraction", test_fraction, minimum=0.0, maximum=1.0, max_inclusive=False)
    clients = []
    for i, h in enumerate(hospitals):
        cut = max(1, int(round((1 - test_fraction) * len(h))))
        test = slice(cut, None) if cut < len(h) else slice(None)
        clients.append(
            TorchClient(
                h.name,
                model_fn,
                h.images[:cut],
                h.labels[:cut],
                X_test=h.images[test],
                y_test=h.labels[test],
                seed=seed * 1000 + i,
                **client_kwargs,
            )
        )
    return clients


@dataclass(frozen=True)
class FederationConfig:
    """A hospital federation run. ``feature_skew`` in [0, 1] replaces the generator's scanners with
    :func:`ppml_lab.fl.partition.scanner_profiles` of that strength; ``lesion_rates`` sets label skew."""

    n_hospitals: int = 3
    n_per_hospital: int = 60
    image_size: int = 32
    data_seed: int = 0
    test_fraction: float = 0.25
    feature_skew: float = -1.0  # negative: the generator's own scanners
    lesion_rates: tuple[float, ...] = ()
    model: str = "cnn"
    lr: float = 0.03
    batch_size: int = 8
    local_epochs: int = 1
    strategy: str = "fedavg"
    fraction_fit: float = 1.0
    proximal_mu: float = 0.0
    num_rounds: int = 2
    seed: int = 0
    round_timeout: float = 0.0  # 0: wait for every selected client
    evaluate_every: int = 1

    def __post_init__(self) -> None:
        check_int("n_hospitals", self.n_hospitals, minimum=1, maximum=1000)
        check_int("n_per_hospital", self.n_per_hospital, minimum=2)
        check_choice("image_size", self.image_size, (32, 64))
        check_choice("model", self.model, ("cnn", "logreg"))
        check_choice("strategy", self.strategy, list(STRATEGIES))
        check_int("num_rounds", self.num_rounds, minimum=1)
        check_float("round_timeout", self.round_timeout, minimum=0.0)
        if self.lesion_rates and len(self.lesion_rates) != self.n_hospitals:
            raise ValueError(f"lesion_rates must have n_hospitals={self.n_hospitals} entries")

    def hospitals(self) -> list[ds.HospitalScans]:
        profiles = (
            scanner_profiles(self.n_hospitals, self.feature_skew, seed=self.data_seed)
            if self.feature_skew >= 0
            else None
        )
        rates = list(self.lesion_rates) or None
        return ds.mri_scans(
            self.n_hospitals, self.n_per_hospital, self.image_size, seed=self.data_seed,
            lesion_rates=rates, profiles=profiles,
        )

    def model_fn(self) -> torch.nn.Module:
        if self.model == "cnn":
            return SmallCNN(self.image_size)
        return _FlatLogistic(self.image_size)

    def initial_parameters(self) -> Parameters:
        torch.manual_seed(self.seed)
        return get_parameters(self.model_fn())

    def clients(self, hospitals: list[ds.HospitalScans] | None = None) -> list[TorchClient]:
        return hospital_clients(
            hospitals if hospitals is not None else self.hospitals(),
            self.model_fn,
            test_fraction=self.test_fraction,
            seed=self.seed,
            lr=self.lr,
            batch_size=self.batch_size,
        )

    def client(self, index: int) -> TorchClient:
        """The client of hospital ``index`` alone (what one SuperNode builds)."""
        check_int("index", index, minimum=0, maximum=self.n_hospitals - 1)
        return self.clients()[index]

    def make_strategy(self):
        kwargs = {"fraction_fit": self.fraction_fit, "local_epochs": self.local_epochs}
        if self.strategy == "fedprox":
            kwargs["proximal_mu"] = self.proximal_mu
        return make_strategy(self.strategy, **kwargs)

    def simulate(self, *, progress: bool = False) -> tuple[Parameters, History]:
        """Run this federation with the in-process simulation."""
        from ppml_lab.fl.simulation import run_simulation

        return run_simulation(
            self.clients(), self.make_strategy(), self.num_rounds, seed=self.seed,
            initial_parameters=self.initial_parameters(), round_timeout=self.round_timeout or None,
            evaluate_every=self.evaluate_every, progress=progress,
        )

    def to_run_config(self) -> dict:
        """Flower run-config values (keys with hyphens; lists as comma-separated strings)."""
        out = {}
        for k, v in asdict(self).items():
            out[k.replace("_", "-")] = ",".join(str(x) for x in v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_run_config(cls, run_config: dict) -> FederationConfig:
        """Inverse of :meth:`to_run_config`; unknown keys are ignored, missing ones take defaults."""
        kwargs = {}
        for f in fields(cls):
            key = f.name.replace("_", "-")
            if key not in run_config:
                continue
            value = run_config[key]
            if f.name == "lesion_rates":
                value = tuple(float(x) for x in str(value).split(",") if x.strip())
            elif isinstance(f.default, int):
                value = int(value)
            elif isinstance(f.default, float):
                value = float(value)
            kwargs[f.name] = value
        return cls(**kwargs)


class _FlatLogistic(torch.nn.Module):
    """Logistic regression on the flattened slice (a fast stand-in for the CNN in tests)."""

    def __init__(self, image_size: int) -> None:
        super().__init__()
        self.flatten = torch.nn.Flatten()
        self.linear = LogisticRegressionModel(image_size * image_size).linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.flatten(x))


def centralized_baseline(config: FederationConfig, epochs: int) -> tuple[Parameters, list[float]]:
    """The same model trained on all hospitals' training scans pooled (what privacy forbids), and
    its accuracy on each hospital's test scans."""
    clients = config.clients()
    X = np.concatenate([c.X.numpy() for c in clients])
    y = np.concatenate([c.y.numpy() for c in clients])
    pooled = TorchClient("pooled", config.model_fn, X, y, lr=config.lr, batch_size=config.batch_size, seed=config.seed)
    params = config.initial_parameters()
    for e in range(epochs):
        params, _, _ = pooled.fit(params, {"local_epochs": 1, "server_round": e + 1})
    return params, [c.evaluate(params)[2]["accuracy"] for c in clients]
