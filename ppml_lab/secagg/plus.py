"""SecAgg+ parameters: how many neighbours k and which threshold t a client needs (Bell et al. 2020).

In SecAgg+ each client shares its secrets with k neighbours on a random graph, threshold t. With a
fraction ``corrupt_fraction`` of clients colluding with the server and ``dropout_fraction``
dropping out, two things must hold for every client u, except with probability 2^-security_bits:

* security: the server gets at most one of the two shares from each honest neighbour (even when
  it lies about dropouts) and both from each corrupt one, so with c_u corrupt neighbours it can
  rebuild both secrets only if k + c_u >= 2t: we need 2t > k + c_u (hence t > k / 2);
* correctness: at least t neighbours are honest and still online: k - f_u >= t, where f_u counts
  the neighbours that are corrupt or dropped.

* connectivity: the honest clients still online form one connected graph, so the server learns
  only the sum over all of them (with several components it would learn each component's sum).
  On the kit's graph, a ring over a random permutation with k / 2 neighbours on each side, that
  fails only if k / 2 consecutive places of the ring are all corrupt or dropped, which happens at a
  given place with probability at most (corrupt_fraction + dropout_fraction)^(k/2). This never
  binds once correctness holds: with t > k / 2, correctness already needs P[f_u >= k / 2] small,
  and that binomial tail is at least C(k, k/2) p^(k/2) (1 - p)^(k/2) >= p^(k/2) for p < 1/2. It
  is checked anyway, so the guarantee is stated in full.

Neighbours are modelled as drawn independently, as in Bell et al.'s analysis, so c_u ~ Bin(k,
corrupt_fraction) and f_u ~ Bin(k, corrupt_fraction + dropout_fraction) (the ring's neighbours are
drawn without replacement, whose tails the binomial's bound); the binomial tails are exact (SciPy),
and a union bound over the n clients (or ring places) and the three events spends
2^-security_bits / 3 on each. The smallest even k (the ring graph is then k-regular) that admits a t
is returned; when no sparse graph does, every client is a neighbour (plain SecAgg) with the
worst-case counts.

At n = 10^4, 5% corrupt, 5% dropout and 2^-40 this gives k = 138 (t = 88), where Bell et al. quote
about 3% of the clients (some 300). Their figure is for a stronger setting: a semi-malicious server
and an Erdos-Renyi graph, whose connectivity costs more neighbours than the ring's. The kit's
protocol is honest-but-curious (no signatures, no consistency round), and its k is for that model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ppml_lab._checks import check_float, check_int


@dataclass(frozen=True)
class SecAggPlusParameters:
    """Neighbourhood size ``neighbors`` (k), threshold ``threshold`` (t) and the failure bound reached."""

    neighbors: int
    threshold: int
    failure_probability: float


def secagg_plus_parameters(
    n: int, corrupt_fraction: float = 0.05, dropout_fraction: float = 0.05, security_bits: float = 40
) -> SecAggPlusParameters:
    """The smallest (k, t) with 2t > k + corrupt neighbours and t <= honest online neighbours for every
    client, and a connected graph of honest online clients, except with probability
    2^-security_bits (binomial tails and the ring's run bound, union bound over clients)."""
    n = check_int("n", n, minimum=3)
    gamma = check_float("corrupt_fraction", corrupt_fraction, minimum=0.0, maximum=1.0, max_inclusive=False)
    delta = check_float("dropout_fraction", dropout_fraction, minimum=0.0, maximum=1.0, max_inclusive=False)
    if gamma + delta >= 1:
        raise ValueError(f"corrupt_fraction + dropout_fraction must be below 1, got {gamma + delta}")
    bits = check_float("security_bits", security_bits, minimum=0.0, min_inclusive=False)
    budget = 2.0**-bits / (3 * n)  # per client (or ring place) and per event
    for k in range(2, n - 1, 2):  # even: the ring graph is then exactly k-regular
        cut = (gamma + delta) ** (k // 2)  # P[k/2 consecutive ring places all corrupt or dropped]
        if cut > budget:
            continue
        ts = np.arange(k // 2 + 1, k + 1)
        insecure = stats.binom.sf(2 * ts - k - 1, k, gamma)  # P[c_u >= 2t - k]
        ok = np.flatnonzero(insecure <= budget)
        if ok.size == 0:
            continue
        t = int(ts[ok[0]])  # larger t only hurts correctness
        stuck = float(stats.binom.sf(k - t, k, gamma + delta))  # P[f_u > k - t]
        if stuck <= budget:
            return SecAggPlusParameters(k, t, float(n * (insecure[ok[0]] + stuck + cut)))
    k = n - 1  # complete graph: at most floor(gamma n) corrupt and floor((gamma + delta) n) lost neighbours
    corrupt, lost = math.floor(gamma * n), math.floor((gamma + delta) * n)
    t = (k + corrupt) // 2 + 1
    if k - lost < t:
        raise ValueError(
            f"no threshold works for n={n} with corrupt_fraction={gamma} and dropout_fraction={delta}: "
            "secure aggregation needs 2t > k + corrupt neighbours and t <= honest online neighbours"
        )
    return SecAggPlusParameters(k, t, 0.0)


def secagg_plus_neighbors(
    n: int, corrupt_fraction: float = 0.05, dropout_fraction: float = 0.05, security_bits: float = 40
) -> int:
    """The neighbourhood size k of :func:`secagg_plus_parameters` (at most n - 1)."""
    return secagg_plus_parameters(n, corrupt_fraction, dropout_fraction, security_bits).neighbors
