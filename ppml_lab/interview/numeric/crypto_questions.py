"""Numeric questions on HE parameters, SMPC cost and secure aggregation (engines imported on demand)."""

from __future__ import annotations

import random

from ppml_lab.interview.numeric.core import pick, register

HE = ("03_encrypted_credit_risk",)
SMPC = ("04_two_bank_fraud",)
SECAGG = ("05_hospital_mri_consortium",)


@register("ckks-slots", "he", 0.5, "abs", lessons=HE, functions=("ppml_lab.he.params.CKKSParameters",))
def ckks_slots(rng: random.Random) -> tuple[str, dict, float]:
    """A CKKS ciphertext packs N / 2 complex (or real) slots."""
    from ppml_lab.he.params import CKKSParameters

    p = {"poly_modulus_degree": pick(rng, [4096, 8192, 16384, 32768])}
    text = (
        f"How many real values can one CKKS ciphertext pack with ring degree N = {p['poly_modulus_degree']}?"
    )
    return text, p, CKKSParameters(p["poly_modulus_degree"], (60, 40, 60), 40).slots


@register("ckks-depth", "he", 0.5, "abs", lessons=HE, functions=("ppml_lab.he.params.CKKSParameters",))
def ckks_depth(rng: random.Random) -> tuple[str, dict, float]:
    """Multiplicative depth of a modulus chain: the number of intermediate primes."""
    from ppml_lab.he.params import CKKSParameters

    inner = pick(rng, [2, 3, 4, 5, 6])
    scale = pick(rng, [30, 40])
    bits = (60, *([scale] * inner), 60)
    p = {"poly_modulus_degree": 16384, "coeff_mod_bit_sizes": list(bits), "scale_bits": scale}
    text = f"A CKKS context has N = 16384 and coeff_mod_bit_sizes {list(bits)} (scale 2^{scale}). How many multiplications deep can a fresh ciphertext go?"
    return text, p, CKKSParameters(16384, bits, scale).depth


@register(
    "ckks-max-depth-128", "he", 0.5, "abs", lessons=HE, functions=("ppml_lab.he.params.CKKSParameters",)
)
def ckks_max_depth(rng: random.Random) -> tuple[str, dict, float]:
    """Largest depth whose modulus chain still meets the 128-bit bound on log q."""
    from ppml_lab.he.params import CKKSParameters

    p = {
        "poly_modulus_degree": pick(rng, [8192, 16384, 32768]),
        "scale_bits": pick(rng, [30, 40, 50]),
        "outer_bits": 60,
    }
    text = (
        f"With N = {p['poly_modulus_degree']}, 60-bit first and last primes and {p['scale_bits']}-bit intermediate primes, "
        "what is the largest multiplicative depth that keeps 128-bit security (HomomorphicEncryption.org bound)?"
    )
    depth = 0
    while CKKSParameters(
        p["poly_modulus_degree"], (60, *([p["scale_bits"]] * (depth + 1)), 60), p["scale_bits"]
    ).is_128_bit_secure:
        depth += 1
    return text, p, depth


@register(
    "polynomial-levels", "he", 0.5, "abs", lessons=HE, functions=("ppml_lab.he.depth.polynomial_levels",)
)
def poly_levels(rng: random.Random) -> tuple[str, dict, float]:
    """Levels of an encrypted polynomial evaluation: ceil(log2(degree + 1))."""
    from ppml_lab.he.depth import polynomial_levels

    p = {"degree": pick(rng, [1, 2, 3, 5, 7, 8, 15, 27])}
    text = f"How many multiplicative levels does evaluating a degree-{p['degree']} polynomial on a CKKS ciphertext consume (TenSEAL polyval)?"
    return text, p, polynomial_levels(p["degree"])


@register(
    "smpc-lr-rounds",
    "smpc",
    0.5,
    "abs",
    lessons=SMPC,
    functions=("ppml_lab.smpc.lr_protocol.ROUNDS_PER_ITERATION",),
)
def smpc_lr_rounds(rng: random.Random) -> tuple[str, dict, float]:
    """Rounds of secure logistic-regression training: iterations x rounds per iteration."""
    from ppml_lab.smpc.functions import SIGMOID_ROUNDS
    from ppml_lab.smpc.lr_protocol import ROUNDS_PER_ITERATION

    p = {"iterations": pick(rng, [10, 50, 200]), "sigmoid_rounds": SIGMOID_ROUNDS}
    text = (
        f"The kit's two-party logistic regression spends 2 rounds on the forward product and truncation, "
        f"{SIGMOID_ROUNDS} on the sigmoid and 2 on the gradient, per iteration. How many rounds do {p['iterations']} iterations take?"
    )
    return text, p, p["iterations"] * ROUNDS_PER_ITERATION


@register(
    "smpc-lr-bytes",
    "smpc",
    0.5,
    "abs",
    unit=" bytes",
    lessons=SMPC,
    functions=("ppml_lab.smpc.lr_protocol.protocol_minimum_bytes",),
)
def smpc_lr_bytes(rng: random.Random) -> tuple[str, dict, float]:
    """Bytes one party opens per iteration: 8 (6n + 2d)."""
    from ppml_lab.smpc.lr_protocol import protocol_minimum_bytes

    p = {"n": pick(rng, [100, 1000, 5000]), "d": pick(rng, [10, 30, 100])}
    text = (
        f"In the two-party logistic regression on n = {p['n']} rows and d = {p['d']} features, each party opens six "
        "length-n and two length-d vectors of 64-bit shares per iteration. How many bytes does one party send per iteration?"
    )
    return text, p, protocol_minimum_bytes(p["n"], p["d"])


@register(
    "smpc-network-seconds",
    "smpc",
    1e-3,
    unit=" s",
    lessons=SMPC,
    functions=("ppml_lab.smpc.transport.NetworkModel",),
)
def network_seconds(rng: random.Random) -> tuple[str, dict, float]:
    """Projected time: rounds x RTT + 8 bytes / bandwidth."""
    from ppml_lab.smpc.transport import NetworkModel

    p = {
        "rounds": pick(rng, [100, 800, 4000]),
        "bytes_sent": pick(rng, [10**6, 5 * 10**7, 10**9]),
        "rtt_seconds": pick(rng, [0.0002, 0.01, 0.05]),
        "bandwidth_bits_per_s": pick(rng, [1e8, 1e9, 1e10]),
    }
    text = (
        f"A protocol needs {p['rounds']} rounds and sends {p['bytes_sent']} bytes. On a link with round-trip time "
        f"{p['rtt_seconds']} s and bandwidth {p['bandwidth_bits_per_s']:g} bit/s, how long does it take (seconds)?"
    )
    model = NetworkModel(p["rtt_seconds"], p["bandwidth_bits_per_s"])
    return text, p, model.seconds(p["rounds"], p["bytes_sent"])


@register(
    "smpc-relu-rounds", "smpc", 0.5, "abs", lessons=SMPC, functions=("ppml_lab.smpc.comparison.RELU_ROUNDS",)
)
def relu_rounds(rng: random.Random) -> tuple[str, dict, float]:
    """Rounds of L sequential secret-shared ReLU layers (the comparison dominates)."""
    from ppml_lab.smpc.comparison import RELU_ROUNDS, SIGN_ROUNDS

    p = {"layers": pick(rng, [2, 4, 8, 16]), "sign_rounds": SIGN_ROUNDS}
    text = (
        f"A secret-shared ReLU costs the {SIGN_ROUNDS}-round sign-bit comparison plus one Beaver multiplication round. "
        f"How many rounds do {p['layers']} sequential ReLU layers take (ignore the linear layers)?"
    )
    return text, p, p["layers"] * RELU_ROUNDS


@register(
    "secagg-shares-per-client",
    "secagg",
    0.5,
    "abs",
    lessons=SECAGG,
    functions=("ppml_lab.secagg.protocol.SecureAggregationServer",),
)
def secagg_shares(rng: random.Random) -> tuple[str, dict, float]:
    """In plain SecAgg each client sends one encrypted share message to every other client."""
    from ppml_lab.secagg.protocol import SecureAggregationServer

    p = {"n_clients": pick(rng, [5, 10, 50, 100])}
    text = (
        f"In secure aggregation (Bonawitz et al.) with {p['n_clients']} clients and no SecAgg+ graph, how many encrypted "
        "share messages does one client send (via the server) in the share-keys round?"
    )
    return text, p, len(SecureAggregationServer(p["n_clients"]).neigh[0])


@register(
    "secagg-default-threshold",
    "secagg",
    0.5,
    "abs",
    lessons=SECAGG,
    functions=("ppml_lab.secagg.protocol.SecureAggregationServer",),
)
def secagg_threshold(rng: random.Random) -> tuple[str, dict, float]:
    """Default Shamir threshold floor(holders / 2) + 1."""
    from ppml_lab.secagg.protocol import SecureAggregationServer

    p = {"n_clients": pick(rng, [5, 8, 11, 20, 101])}
    text = (
        f"Secure aggregation with {p['n_clients']} clients, each sharing its secrets with all others: what is the smallest "
        "Shamir threshold that stops a server lying about dropouts from collecting both secrets of a client?"
    )
    return text, p, SecureAggregationServer(p["n_clients"]).threshold


@register(
    "secagg-ring-levels",
    "secagg",
    0.5,
    "abs",
    lessons=SECAGG,
    functions=("ppml_lab.secagg.encoding.ring_levels",),
)
def secagg_levels(rng: random.Random) -> tuple[str, dict, float]:
    """Largest quantization level L so that n clipped values sum without wrapping: floor((2^(b-1) - 1) / n)."""
    from ppml_lab.secagg.encoding import ring_levels

    p = {"clip": 1.0, "bits": pick(rng, [16, 20, 24, 32]), "n_clients": pick(rng, [10, 100, 1000])}
    text = (
        f"Clients encode values in [-1, 1] as round(x * L) and secure aggregation sums them in Z / 2^{p['bits']} "
        f"read as signed. What is the largest L for which the sum of {p['n_clients']} clients can never wrap?"
    )
    return text, p, ring_levels(p["clip"], p["bits"], p["n_clients"])


@register(
    "distributed-dp-client-variance",
    "secagg",
    1e-3,
    lessons=SECAGG,
    functions=("ppml_lab.secagg.distributed_dp.client_noise_variance",),
)
def client_variance(rng: random.Random) -> tuple[str, dict, float]:
    """Per-client noise variance sigma^2 / t, so any t survivors' noise sums to sigma^2."""
    from ppml_lab.secagg.distributed_dp import client_noise_variance

    p = {"sigma": pick(rng, [2.0, 5.0, 10.0]), "min_survivors": pick(rng, [5, 10, 40])}
    text = (
        f"With distributed DP over secure aggregation the sum must carry noise of std {p['sigma']} as long as at least "
        f"{p['min_survivors']} clients survive. What noise variance does each client add?"
    )
    return text, p, client_noise_variance(p["sigma"], p["min_survivors"])
