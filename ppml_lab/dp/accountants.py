"""Privacy accountants: how much of the budget a sequence of noisy steps has spent.

One small interface, as in Opacus: ``step(...)`` records what was released, ``get_epsilon(delta)``
answers how private the whole sequence is, ``history`` lists the steps. The mathematics lives
apart, in :mod:`ppml_lab.dp.analysis.rdp`.

* :class:`RDPAccountant` — Renyi DP of the Poisson-subsampled Gaussian (DP-SGD, DP-FedAvg).
* :class:`PLDAccountant` — privacy-loss distributions (Google's ``dp_accounting``): tighter.
* :class:`BasicCompositionAccountant` / :class:`AdvancedCompositionAccountant` — any
  (epsilon, delta) mechanisms composed with the classic theorems.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from ppml_lab._checks import check_float, check_int
from ppml_lab.dp.analysis.rdp import DEFAULT_ALPHAS, compute_rdp, get_privacy_spent


def _check_gaussian_step(
    noise_multiplier: float, sample_rate: float, num_steps: int
) -> tuple[float, float, int]:
    return (
        check_float("noise_multiplier", noise_multiplier, minimum=0.0),
        check_float("sample_rate", sample_rate, minimum=0.0, maximum=1.0),
        check_int("num_steps", num_steps, minimum=1),
    )


def _check_target_delta(delta: float) -> float:
    return check_float("delta", delta, minimum=0.0, maximum=1.0, min_inclusive=False, max_inclusive=False)


class IAccountant(ABC):
    """What every accountant offers: record steps, report epsilon at a delta."""

    def __init__(self) -> None:
        self.history: list[tuple] = []

    @abstractmethod
    def step(self, **kwargs) -> None:
        """Record one (or ``num_steps`` identical) noisy releases."""

    @abstractmethod
    def get_epsilon(self, delta: float) -> float:
        """Epsilon of everything recorded so far, at the given delta."""

    def __len__(self) -> int:
        return sum(entry[-1] for entry in self.history)


class _GaussianAccountant(IAccountant):
    """History of (noise_multiplier, sample_rate, num_steps); consecutive equal steps are merged."""

    def step(self, *, noise_multiplier: float, sample_rate: float, num_steps: int = 1) -> None:
        nm, q, k = _check_gaussian_step(noise_multiplier, sample_rate, num_steps)
        if self.history and self.history[-1][:2] == (nm, q):
            self.history[-1] = (nm, q, self.history[-1][2] + k)
        else:
            self.history.append((nm, q, k))


class RDPAccountant(_GaussianAccountant):
    """Renyi-DP (moments) accountant for the Poisson-subsampled Gaussian mechanism."""

    def __init__(self, alphas: list[float] | None = None) -> None:
        super().__init__()
        self.alphas = list(alphas) if alphas is not None else list(DEFAULT_ALPHAS)

    def get_privacy_spent(self, delta: float) -> tuple[float, float]:
        """``(epsilon, best_alpha)`` at ``delta``."""
        delta = _check_target_delta(delta)
        if not self.history:
            return 0.0, math.nan
        rdp = sum(compute_rdp(q, nm, k, self.alphas) for nm, q, k in self.history)
        return get_privacy_spent(self.alphas, rdp, delta)

    def get_epsilon(self, delta: float) -> float:
        return self.get_privacy_spent(delta)[0]


class PLDAccountant(_GaussianAccountant):
    """Privacy-loss-distribution accountant (via ``dp_accounting``): never looser than RDP."""

    def __init__(self, value_discretization_interval: float = 1e-3) -> None:
        super().__init__()
        self.value_discretization_interval = value_discretization_interval

    def get_epsilon(self, delta: float) -> float:
        delta = _check_target_delta(delta)
        if not self.history:
            return 0.0
        import dp_accounting
        from dp_accounting.pld import pld_privacy_accountant

        accountant = pld_privacy_accountant.PLDAccountant(
            value_discretization_interval=self.value_discretization_interval
        )
        for nm, q, k in self.history:
            if nm == 0:
                return math.inf
            event = dp_accounting.GaussianDpEvent(nm)
            if q < 1.0:
                event = dp_accounting.PoissonSampledDpEvent(q, event)
            accountant.compose(dp_accounting.SelfComposedDpEvent(event, k))
        return float(accountant.get_epsilon(delta))


class BasicCompositionAccountant(IAccountant):
    """Composes (epsilon_i, delta_i) mechanisms by adding both: the simplest, loosest theorem."""

    def step(self, *, epsilon: float, delta: float = 0.0, num_steps: int = 1) -> None:
        eps = check_float("epsilon", epsilon, minimum=0.0, min_inclusive=False)
        d = check_float("delta", delta, minimum=0.0, maximum=1.0, max_inclusive=False)
        self.history.append((eps, d, check_int("num_steps", num_steps, minimum=1)))

    def total_delta(self) -> float:
        return sum(d * k for _, d, k in self.history)

    def get_epsilon(self, delta: float) -> float:
        if delta < self.total_delta():
            raise ValueError(f"delta must be >= the composed delta {self.total_delta():.3g}, got {delta}")
        return sum(e * k for e, _, k in self.history)


class AdvancedCompositionAccountant(BasicCompositionAccountant):
    """Advanced composition (Dwork, Rothblum & Vadhan 2010), heterogeneous form.

    For a slack delta' > 0: epsilon = sqrt(2 ln(1/delta') * sum eps_i^2) + sum eps_i (e^eps_i - 1),
    at total delta = sum delta_i + delta'. Reports the smaller of this and basic composition.
    """

    def get_epsilon(self, delta: float) -> float:
        basic = super().get_epsilon(delta)
        slack = delta - self.total_delta()
        if slack <= 0:
            return basic
        sq = sum(e * e * k for e, _, k in self.history)
        drift = sum(e * math.expm1(e) * k for e, _, k in self.history)
        return min(basic, math.sqrt(2.0 * math.log(1.0 / slack) * sq) + drift)


ACCOUNTANTS = {"rdp": RDPAccountant, "pld": PLDAccountant}


def get_noise_multiplier(
    target_epsilon: float,
    target_delta: float,
    sample_rate: float,
    steps: int,
    accountant: str = "rdp",
    epsilon_tolerance: float = 0.01,
) -> float:
    """The smallest noise multiplier (to within ``epsilon_tolerance`` in epsilon) whose ``steps``
    Poisson-subsampled Gaussian steps spend at most ``target_epsilon`` at ``target_delta``."""
    target_epsilon = check_float("target_epsilon", target_epsilon, minimum=0.0, min_inclusive=False)
    target_delta = _check_target_delta(target_delta)
    sample_rate = check_float("sample_rate", sample_rate, minimum=0.0, maximum=1.0, min_inclusive=False)
    steps = check_int("steps", steps, minimum=1)
    if accountant not in ACCOUNTANTS:
        raise ValueError(f"accountant must be one of {list(ACCOUNTANTS)}, got {accountant!r}")

    def eps(sigma: float) -> float:
        acc = ACCOUNTANTS[accountant]()
        acc.step(noise_multiplier=sigma, sample_rate=sample_rate, num_steps=steps)
        return acc.get_epsilon(target_delta)

    low, high = 0.0, 10.0
    eps_high = eps(high)  # each evaluation runs the accountant: compute it once per candidate
    while eps_high > target_epsilon:
        high *= 2.0
        if high > 1e4:
            raise ValueError("target_epsilon is unreachable: no noise multiplier below 1e4 achieves it")
        eps_high = eps(high)
    while True:
        mid = (low + high) / 2
        eps_mid = eps(mid)
        if eps_mid < target_epsilon:
            high, eps_high = mid, eps_mid
        else:
            low = mid
        if eps_high >= target_epsilon - epsilon_tolerance:
            return high
