"""Numeric questions: seeded, answered by the kit's functions, checked within a stated tolerance."""

import math
import random
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from ppml_lab.interview.numeric import GENERATORS, Tolerance, generate, get_generator, select_numeric
from ppml_lab.interview.numeric.core import register

NAMES = sorted(GENERATORS)
SEEDS = (0, 1, 2, 3)


def test_at_least_thirty_generators_over_every_engine():
    assert len(GENERATORS) >= 30
    assert {"dp", "dp-sgd", "ldp", "accounting", "he", "smpc", "secagg", "anonymity", "attacks", "fl"} <= {
        g.topic for g in GENERATORS.values()
    }


@pytest.mark.parametrize("name", NAMES)
def test_generator_is_deterministic_and_states_its_parameters(name):
    a, b = generate(name, random.Random(5)), generate(name, 5)
    assert (a.text, a.params, a.answer) == (b.text, b.params, b.answer)
    c = generate(name, np.random.default_rng(5))
    assert c == generate(name, np.random.default_rng(5))
    drawn = {generate(name, s).text for s in range(12)}
    assert len(drawn) > 1, "the parameters never change"
    assert math.isfinite(a.answer)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", SEEDS)
def test_checker_accepts_the_answer_and_rejects_one_ten_tolerances_off(name, seed):
    q = generate(name, seed)
    ok, msg = q.check(q.answer)
    assert ok, msg
    assert q.check(f"{q.answer!r}")[0]
    off = 10 * q.tolerance.value * (1 if q.tolerance.kind == "abs" else abs(q.answer) or 1.0)
    for wrong in (q.answer + off, q.answer - off):
        ok, msg = q.check(wrong)
        assert not ok and "expected" in msg, (wrong, msg)
    ok, msg = q.check("forty-two")
    assert not ok and "not a number" in msg


def _laplace(p):
    return p["sensitivity"] / p["epsilon"]


def _table_k(rows):
    return min(Counter((r["age"], r["zip"]) for r in rows).values())


def _table_l(rows):
    classes: dict = {}
    for r in rows:
        classes.setdefault((r["age"], r["zip"]), []).append(r["diagnosis"])
    return classes


def _entropy_l(rows):
    out = []
    for values in _table_l(rows).values():
        f = np.array(list(Counter(values).values())) / len(values)
        out.append(float(np.exp(-(f * np.log(f)).sum())))
    return min(out)


def _cp_upper(p):
    k, n = p["successes"], p["trials"]
    return 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)


def _adv(p):
    k, e, d = p["k"], p["epsilon"], p["delta_slack"]
    return min(k * e, math.sqrt(2 * k * math.log(1 / d)) * e + k * e * math.expm1(e))


def _gauss_delta(p):
    s, e = p["sigma"], p["epsilon"]
    return stats.norm.cdf(1 / (2 * s) - e * s) - math.exp(e) * stats.norm.cdf(-1 / (2 * s) - e * s)


def _exp_mech(p):
    w = np.exp(p["epsilon"] * np.array(p["utilities"]) / 2)
    return w[2] / w.sum()


def _rates(p):
    a, b, d = p["fpr"], p["fnr"], p["delta"]
    return max(0.0, math.log((1 - d - b) / a), math.log((1 - d - a) / b))


def _ldp(kind):
    def f(p):
        e, d, n = math.exp(p["epsilon"]), p["domain_size"], p["n"]
        if kind == "krr":
            return (e + d - 2) / (n * (e - 1) ** 2)
        if kind == "oue":
            return 4 * e / (n * (e - 1) ** 2)
        h = math.sqrt(e)
        return h / (n * (h - 1) ** 2)

    return f


# Closed forms recomputed here, independently of the kit, from the drawn parameters.
CLOSED_FORMS = {
    "laplace-scale": _laplace,
    "laplace-std": lambda p: math.sqrt(2) * _laplace(p),
    "classic-gaussian-sigma": lambda p: (
        math.sqrt(2 * math.log(1.25 / p["delta"])) * p["sensitivity"] / p["epsilon"]
    ),
    "gaussian-delta": _gauss_delta,
    "rr-epsilon": lambda p: math.log((1 + p["p_truth"]) / (1 - p["p_truth"])),
    "rr-keep-probability": lambda p: math.exp(p["epsilon"]) / (math.exp(p["epsilon"]) + p["k"] - 1),
    "krr-variance": _ldp("krr"),
    "oue-variance": _ldp("oue"),
    "sue-variance": _ldp("sue"),
    "duchi-output": lambda p: (math.exp(p["epsilon"]) + 1) / (math.exp(p["epsilon"]) - 1),
    "basic-composition": lambda p: p["k"] * p["epsilon"],
    "advanced-composition": _adv,
    "sum-sensitivity": lambda p: (
        p["upper"] - p["lower"] if p["neighbouring"] == "replace" else max(abs(p["lower"]), abs(p["upper"]))
    ),
    "mean-sensitivity": lambda p: (p["upper"] - p["lower"]) / p["n"],
    "exponential-mechanism": _exp_mech,
    "ckks-slots": lambda p: p["poly_modulus_degree"] // 2,
    "ckks-depth": lambda p: len(p["coeff_mod_bit_sizes"]) - 2,
    "ckks-max-depth-128": lambda p: (
        ({8192: 218, 16384: 438, 32768: 881}[p["poly_modulus_degree"]] - 120) // p["scale_bits"]
    ),
    "polynomial-levels": lambda p: math.ceil(math.log2(p["degree"] + 1)),
    "smpc-lr-rounds": lambda p: p["iterations"] * (2 + p["sigmoid_rounds"] + 2),
    "smpc-lr-bytes": lambda p: 8 * (6 * p["n"] + 2 * p["d"]),
    "smpc-network-seconds": lambda p: (
        p["rounds"] * p["rtt_seconds"] + 8 * p["bytes_sent"] / p["bandwidth_bits_per_s"]
    ),
    "smpc-relu-rounds": lambda p: p["layers"] * (p["sign_rounds"] + 1),
    "secagg-shares-per-client": lambda p: p["n_clients"] - 1,
    "secagg-default-threshold": lambda p: (p["n_clients"] - 1) // 2 + 1,
    "secagg-ring-levels": lambda p: (2 ** (p["bits"] - 1) - 1) // p["n_clients"],
    "distributed-dp-client-variance": lambda p: p["sigma"] ** 2 / p["min_survivors"],
    "k-anonymity": lambda p: _table_k(p["rows"]),
    "l-diversity": lambda p: min(len(set(v)) for v in _table_l(p["rows"]).values()),
    "entropy-l-diversity": lambda p: _entropy_l(p["rows"]),
    "clopper-pearson-upper": _cp_upper,
    "epsilon-from-rates": _rates,
    "fedavg-weighted-mean": lambda p: (
        sum(w * n for w, n in zip(p["weights"], p["examples"], strict=True)) / sum(p["examples"])
    ),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@pytest.mark.parametrize("seed", SEEDS)
def test_answer_matches_an_independent_closed_form(name, seed):
    q = generate(name, seed)
    assert q.answer == pytest.approx(CLOSED_FORMS[name](q.params), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_answers_without_a_closed_form_match_the_kit_and_their_definition(seed):
    from ppml_lab import dp
    from ppml_lab.attacks.audit import epsilon_lower_bound_from_counts

    q = generate("analytic-gaussian-sigma", seed)  # the exact delta at that sigma is the target delta
    assert dp.gaussian_delta(q.answer, q.params["epsilon"], 1.0) == pytest.approx(q.params["delta"], rel=1e-6)
    if q.params["epsilon"] < 1:  # tighter than the classic bound wherever that one applies
        assert q.answer < dp.classic_gaussian_sigma(q.params["epsilon"], q.params["delta"], 1.0)
    q = generate("dp-sgd-epsilon", seed)
    acc = dp.RDPAccountant()
    acc.step(
        noise_multiplier=q.params["noise_multiplier"],
        sample_rate=q.params["sample_rate"],
        num_steps=q.params["steps"],
    )
    assert q.answer == acc.get_epsilon(1e-5) and 0 < q.answer < 50
    q = generate("dp-sgd-noise-multiplier", seed)
    acc = dp.RDPAccountant()
    acc.step(noise_multiplier=q.answer, sample_rate=q.params["sample_rate"], num_steps=q.params["steps"])
    assert q.params["target_epsilon"] - 0.011 <= acc.get_epsilon(1e-5) <= q.params["target_epsilon"]
    q = generate("audit-epsilon-lower-bound", seed)
    p = q.params
    fnr = stats.beta.ppf(0.975, p["false_negatives"] + 1, p["n_with_canary"] - p["false_negatives"])
    fpr = stats.beta.ppf(0.975, p["false_positives"] + 1, p["n_without_canary"] - p["false_positives"])
    expected = max(0.0, math.log((1 - 1e-5 - fnr) / fpr), math.log((1 - 1e-5 - fpr) / fnr))
    assert q.answer == pytest.approx(expected, rel=1e-9)
    assert q.answer == epsilon_lower_bound_from_counts(**p)


def test_every_generator_is_covered_by_a_check_above():
    assert set(NAMES) == set(CLOSED_FORMS) | {
        "analytic-gaussian-sigma",
        "dp-sgd-epsilon",
        "dp-sgd-noise-multiplier",
        "audit-epsilon-lower-bound",
    }


def test_bad_input_names_the_argument():
    for value in (0, -0.1, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="tolerance"):
            Tolerance(value)
    with pytest.raises(ValueError, match="kind"):
        Tolerance(0.1, "percent")
    with pytest.raises(ValueError, match="tolerance"):
        register("never-registered", "dp", 0.0)(lambda rng: ("", {}, 0.0))
    assert "never-registered" not in GENERATORS
    with pytest.raises(ValueError, match="name 'no-such-question'"):
        get_generator("no-such-question")
    with pytest.raises(ValueError, match="name"):
        generate("no-such-question", 0)
    with pytest.raises(ValueError, match="already registered"):
        register("laplace-scale", "dp", 0.1)(lambda rng: ("", {}, 0.0))
    with pytest.raises(TypeError, match="rng"):
        generate("laplace-scale", "seed")
    with pytest.raises(ValueError, match="topic"):
        select_numeric(["astrology"])
    with pytest.raises(ValueError, match="count"):
        select_numeric(n=0)


def test_selection_is_seeded_and_filters_by_topic():
    a = select_numeric(["he", "smpc"], n=6, seed=3)
    b = select_numeric(["he", "smpc"], n=6, seed=3)
    assert [(q.name, q.text) for q in a] == [(q.name, q.text) for q in b]
    assert {q.topic for q in a} <= {"he", "smpc"} and len({q.name for q in a}) == 6
    assert [q.text for q in select_numeric(n=5, seed=4)] != [q.text for q in select_numeric(n=5, seed=5)]
