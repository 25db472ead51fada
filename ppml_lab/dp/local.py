"""Local differential privacy for telemetry: every device randomizes before it reports.

Frequency oracles estimate how many devices hold each of ``d`` values (Wang et al. 2017):
generalized randomized response (k-RR), symmetric unary encoding (basic one-time RAPPOR),
optimized unary encoding (OUE) and optimized local hashing (OLH). Mean estimators handle bounded
counters: Duchi et al.'s mechanism on [-1, 1], Microsoft's 1BitMean on [0, m] and dBitFlip's
histogram buckets (Ding et al. 2017). Each has ``privatize`` (the device's side), an unbiased
``estimate`` (the server's side) and its theoretical ``variance``. Device randomness comes from a
PCG64 generator seeded from the OS CSPRNG unless a seeded ``rng`` is passed (tests and teaching).
"""

from __future__ import annotations

import math

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.dp._random import noise_generator


def _eps(epsilon: float) -> float:
    return check_float("epsilon", epsilon, minimum=0.0, min_inclusive=False)


class FrequencyOracle:
    """Common interface: reports from ``privatize``; frequencies (fractions) from ``estimate``."""

    p: float
    q: float

    def __init__(self, epsilon: float, domain_size: int) -> None:
        self.epsilon = _eps(epsilon)
        self.d = check_int("domain_size", domain_size, minimum=2)

    def _check_values(self, values) -> np.ndarray:
        v = np.asarray(values)
        if v.size and (not np.issubdtype(v.dtype, np.integer) or v.min() < 0 or v.max() >= self.d):
            raise ValueError(f"values must be integers in [0, {self.d})")
        return v

    def variance(self, n: int, frequencies=None) -> np.ndarray:
        """Variance of each estimated frequency with n devices (true ``frequencies`` default to 0)."""
        f = np.zeros(self.d) if frequencies is None else np.asarray(frequencies, dtype=float)
        p, q = self.p, self.q
        return q * (1 - q) / (n * (p - q) ** 2) + f * (1 - p - q) / (n * (p - q))


class KaryRandomizedResponse(FrequencyOracle):
    """k-RR: report the true value w.p. e^eps / (e^eps + d - 1), else another one uniformly."""

    def __init__(self, epsilon: float, domain_size: int) -> None:
        super().__init__(epsilon, domain_size)
        e = math.exp(self.epsilon)
        self.p, self.q = e / (e + self.d - 1), 1 / (e + self.d - 1)

    def privatize(self, values, rng=None) -> np.ndarray:
        v = self._check_values(values)
        gen = noise_generator(rng)
        keep = gen.random(v.shape) < self.p
        return np.where(keep, v, (v + gen.integers(1, self.d, v.shape)) % self.d)

    def estimate(self, reports) -> np.ndarray:
        r = np.asarray(reports)
        return (np.bincount(r, minlength=self.d) / len(r) - self.q) / (self.p - self.q)


class _UnaryEncoding(FrequencyOracle):
    def privatize(self, values, rng=None) -> np.ndarray:
        v = self._check_values(values)
        gen = noise_generator(rng)
        onehot = np.zeros((len(v), self.d), dtype=bool)
        onehot[np.arange(len(v)), v] = True
        return np.where(onehot, gen.random(onehot.shape) < self.p, gen.random(onehot.shape) < self.q)

    def estimate(self, reports) -> np.ndarray:
        r = np.asarray(reports, dtype=float)
        return (r.mean(axis=0) - self.q) / (self.p - self.q)


class SymmetricUnaryEncoding(_UnaryEncoding):
    """Basic one-time RAPPOR: one-hot vector, each bit kept w.p. e^(eps/2) / (e^(eps/2) + 1)."""

    def __init__(self, epsilon: float, domain_size: int) -> None:
        super().__init__(epsilon, domain_size)
        e = math.exp(self.epsilon / 2)
        self.p, self.q = e / (e + 1), 1 / (e + 1)


class OptimizedUnaryEncoding(_UnaryEncoding):
    """OUE: the true bit is 1 w.p. 1/2, every other bit w.p. 1 / (e^eps + 1): lower variance."""

    def __init__(self, epsilon: float, domain_size: int) -> None:
        super().__init__(epsilon, domain_size)
        self.p, self.q = 0.5, 1 / (math.exp(self.epsilon) + 1)


def _mix(seeds: np.ndarray, value: int) -> np.ndarray:
    """A 64-bit mixing hash of (seed, value) (SplitMix64 finalizer): a fresh random function per seed."""
    with np.errstate(over="ignore"):
        z = seeds.astype(np.uint64) + np.uint64(value + 1) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


class OptimizedLocalHashing(FrequencyOracle):
    """OLH: hash the value into g = round(e^eps) + 1 buckets with a per-device random hash, then k-RR on g.

    A report is (seed, y): the device's hash function is identified by its random 64-bit ``seed``,
    and y is its randomized bucket.
    """

    def __init__(self, epsilon: float, domain_size: int) -> None:
        super().__init__(epsilon, domain_size)
        e = math.exp(self.epsilon)
        self.g = max(2, int(round(e)) + 1)
        self.p, self.q = e / (e + self.g - 1), 1 / self.g

    def _hash(self, seeds: np.ndarray, value: int) -> np.ndarray:
        return (_mix(seeds, value) % np.uint64(self.g)).astype(np.int64)

    def privatize(self, values, rng=None) -> np.ndarray:
        v = self._check_values(values)
        gen = noise_generator(rng)
        n = len(v)
        seeds = gen.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64)
        h = np.empty(n, dtype=np.int64)
        for value in np.unique(v):
            mask = v == value
            h[mask] = self._hash(seeds[mask], int(value))
        keep = gen.random(n) < self.p
        y = np.where(keep, h, (h + gen.integers(1, self.g, n)) % self.g)
        return np.column_stack([seeds.view(np.int64), y])

    def estimate(self, reports) -> np.ndarray:
        r = np.asarray(reports, dtype=np.int64)
        seeds = r[:, 0].view(np.uint64)
        support = np.array([np.mean(self._hash(seeds, value) == r[:, 1]) for value in range(self.d)])
        return (support - self.q) / (self.p - self.q)


class DuchiMean:
    """Duchi et al.'s one-bit mechanism for x in [-1, 1]: report +-C, C = (e^eps + 1) / (e^eps - 1)."""

    def __init__(self, epsilon: float) -> None:
        self.epsilon = _eps(epsilon)
        e = math.exp(self.epsilon)
        self.C = (e + 1) / (e - 1)

    def privatize(self, values, rng=None) -> np.ndarray:
        x = np.asarray(values, dtype=float)
        if x.size and (x.min() < -1 or x.max() > 1):
            raise ValueError("values must lie in [-1, 1]")
        p_plus = 0.5 + x / (2 * self.C)
        return np.where(noise_generator(rng).random(x.shape) < p_plus, self.C, -self.C)

    def estimate(self, reports) -> float:
        return float(np.mean(reports))

    def variance(self, values) -> float:
        x = np.asarray(values, dtype=float)
        return float(np.sum(self.C**2 - x**2) / len(x) ** 2)


class OneBitMean:
    """Microsoft's 1BitMean for counters in [0, m]: one bit, 1 w.p. 1/(e^eps+1) + (x/m)(e^eps-1)/(e^eps+1)."""

    def __init__(self, epsilon: float, m: float) -> None:
        self.epsilon = _eps(epsilon)
        self.m = check_float("m", m, minimum=0.0, min_inclusive=False)

    def _p(self, x):
        e = math.exp(self.epsilon)
        return 1 / (e + 1) + (x / self.m) * (e - 1) / (e + 1)

    def privatize(self, values, rng=None) -> np.ndarray:
        x = np.asarray(values, dtype=float)
        if x.size and (x.min() < 0 or x.max() > self.m):
            raise ValueError(f"values must lie in [0, m={self.m}]")
        return (noise_generator(rng).random(x.shape) < self._p(x)).astype(np.int64)

    def estimate(self, reports) -> float:
        e = math.exp(self.epsilon)
        b = np.asarray(reports, dtype=float)
        return float(self.m * np.mean((b * (e + 1) - 1) / (e - 1)))

    def variance(self, values) -> float:
        e = math.exp(self.epsilon)
        p = self._p(np.asarray(values, dtype=float))
        return float(np.sum(self.m**2 * ((e + 1) / (e - 1)) ** 2 * p * (1 - p)) / len(p) ** 2)


class DBitFlip:
    """dBitFlip (d = 1) histogram: each device samples one of ``k`` buckets uniformly and reports, by
    randomized response at e^(eps/2), whether its value falls there."""

    def __init__(self, epsilon: float, k: int) -> None:
        self.epsilon = _eps(epsilon)
        self.k = check_int("k", k, minimum=2)

    def privatize(self, buckets, rng=None) -> np.ndarray:
        v = np.asarray(buckets)
        if v.size and (v.min() < 0 or v.max() >= self.k):
            raise ValueError(f"buckets must be integers in [0, {self.k})")
        gen = noise_generator(rng)
        j = gen.integers(0, self.k, len(v))
        e = math.exp(self.epsilon / 2)
        p1 = np.where(j == v, e / (e + 1), 1 / (e + 1))
        return np.column_stack([j, (gen.random(len(v)) < p1).astype(np.int64)])

    def estimate(self, reports) -> np.ndarray:
        r = np.asarray(reports)
        e = math.exp(self.epsilon / 2)
        z = (r[:, 1] * (e + 1) - 1) / (e - 1)
        return np.array([self.k * np.sum(z[r[:, 0] == j]) / len(r) for j in range(self.k)])

    def variance(self, n: int, frequencies) -> np.ndarray:
        e = math.exp(self.epsilon / 2)
        f = np.asarray(frequencies, dtype=float)
        second = self.k * (f * (e**3 + 1) / ((e + 1) * (e - 1) ** 2) + (1 - f) * e / (e - 1) ** 2)
        return (second - f**2) / n
