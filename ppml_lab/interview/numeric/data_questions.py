"""Numeric questions on anonymization, privacy auditing and federated averaging."""

from __future__ import annotations

import random

from ppml_lab.interview.numeric.core import pick, register

ANON = ("09_anonymization",)
ATTACKS = ("08_attacking_models",)
FL = ("05_hospital_mri_consortium",)


def _table(rng: random.Random) -> tuple[list[dict], str]:
    """A small table of generalised quasi-identifiers and a diagnosis, and its text rendering."""
    ages, zips = ["20-29", "30-39", "40-49"], ["130**", "148**"]
    diagnoses = ["flu", "asthma", "diabetes", "cancer"]
    rows = [
        {"age": pick(rng, ages), "zip": pick(rng, zips), "diagnosis": pick(rng, diagnoses)}
        for _ in range(rng.randint(8, 12))
    ]
    text = "; ".join(f"({r['age']}, {r['zip']}, {r['diagnosis']})" for r in rows)
    return rows, text


@register("k-anonymity", "anonymity", 0.5, "abs", lessons=ANON, functions=("ppml_lab.anonymity.k_anonymity",))
def k_of_table(rng: random.Random) -> tuple[str, dict, float]:
    """k = size of the smallest equivalence class over the quasi-identifiers."""
    import pandas as pd

    from ppml_lab.anonymity import k_anonymity

    rows, shown = _table(rng)
    text = f"Rows (age, zip, diagnosis) with quasi-identifiers age and zip: {shown}. What k-anonymity does the table achieve?"
    return text, {"rows": rows}, k_anonymity(pd.DataFrame(rows), ["age", "zip"])


@register(
    "l-diversity",
    "anonymity",
    0.5,
    "abs",
    lessons=ANON,
    functions=("ppml_lab.anonymity.distinct_l_diversity",),
)
def distinct_l(rng: random.Random) -> tuple[str, dict, float]:
    """Distinct l: fewest distinct sensitive values in any equivalence class."""
    import pandas as pd

    from ppml_lab.anonymity import distinct_l_diversity

    rows, shown = _table(rng)
    text = f"Rows (age, zip, diagnosis), quasi-identifiers age and zip, sensitive diagnosis: {shown}. What distinct l-diversity does it achieve?"
    return text, {"rows": rows}, distinct_l_diversity(pd.DataFrame(rows), ["age", "zip"], "diagnosis")


@register(
    "entropy-l-diversity",
    "anonymity",
    1e-2,
    lessons=ANON,
    functions=("ppml_lab.anonymity.entropy_l_diversity",),
)
def entropy_l(rng: random.Random) -> tuple[str, dict, float]:
    """Entropy l: exp of the smallest class entropy of the sensitive value."""
    import pandas as pd

    from ppml_lab.anonymity import entropy_l_diversity

    rows, shown = _table(rng)
    text = f"Rows (age, zip, diagnosis), quasi-identifiers age and zip, sensitive diagnosis: {shown}. Up to which l is it entropy-l-diverse (exp of the smallest class entropy)?"
    return text, {"rows": rows}, entropy_l_diversity(pd.DataFrame(rows), ["age", "zip"], "diagnosis")


@register(
    "clopper-pearson-upper",
    "attacks",
    1e-2,
    lessons=ATTACKS,
    functions=("ppml_lab.attacks.audit.clopper_pearson",),
)
def cp_upper(rng: random.Random) -> tuple[str, dict, float]:
    """Upper end of the exact two-sided binomial interval."""
    from ppml_lab.attacks.audit import clopper_pearson

    p = {"successes": pick(rng, [0, 1, 5, 20]), "trials": pick(rng, [100, 500, 1000]), "alpha": 0.05}
    text = f"An attack errs {p['successes']} times in {p['trials']} trials. What is the upper end of the 95% Clopper-Pearson interval of its error rate?"
    return text, p, clopper_pearson(p["successes"], p["trials"], p["alpha"])[1]


@register(
    "audit-epsilon-lower-bound",
    "attacks",
    2e-2,
    lessons=ATTACKS,
    functions=("ppml_lab.attacks.audit.epsilon_lower_bound_from_counts",),
)
def audit_lb(rng: random.Random) -> tuple[str, dict, float]:
    """Empirical epsilon lower bound from a canary game's error counts (Clopper-Pearson)."""
    from ppml_lab.attacks.audit import epsilon_lower_bound_from_counts

    n = pick(rng, [500, 1000, 2000])
    p = {
        "false_negatives": pick(rng, [n // 20, n // 10, n // 5]),
        "n_with_canary": n,
        "false_positives": pick(rng, [2, n // 50, n // 20]),
        "n_without_canary": n,
        "delta": 1e-5,
        "alpha": 0.05,
    }
    text = (
        f"In a canary audit, the guess was wrong {p['false_negatives']} of {n} times with the canary and "
        f"{p['false_positives']} of {n} without. Using Clopper-Pearson upper limits (95% joint confidence) at "
        "delta = 1e-5, what epsilon lower bound does this prove?"
    )
    args = {k: v for k, v in p.items()}
    return text, p, epsilon_lower_bound_from_counts(**args)


@register(
    "epsilon-from-rates",
    "attacks",
    1e-3,
    lessons=ATTACKS,
    functions=("ppml_lab.attacks.audit.epsilon_from_rates",),
)
def eps_rates(rng: random.Random) -> tuple[str, dict, float]:
    """The smallest epsilon consistent with a test's FPR and FNR at delta."""
    from ppml_lab.attacks.audit import epsilon_from_rates

    p = {
        "fpr": pick(rng, [0.01, 0.05, 0.1]),
        "fnr": pick(rng, [0.2, 0.3, 0.5]),
        "delta": pick(rng, [0.0, 1e-5]),
    }
    text = (
        f"A membership test has false-positive rate {p['fpr']} and false-negative rate {p['fnr']}. "
        f"What is the smallest epsilon of any (epsilon, {p['delta']:g})-DP mechanism it could be run against?"
    )
    return text, p, epsilon_from_rates(p["fpr"], p["fnr"], p["delta"])


@register("fedavg-weighted-mean", "fl", 1e-4, "abs", lessons=FL, functions=("ppml_lab.fl.strategy.FedAvg",))
def fedavg_mean(rng: random.Random) -> tuple[str, dict, float]:
    """FedAvg's new weight: the example-weighted mean of the clients' weights."""
    import numpy as np

    from ppml_lab.fl.strategy import FedAvg

    k = rng.randint(3, 5)
    p = {
        "weights": [round(rng.uniform(-1, 1), 2) for _ in range(k)],
        "examples": [pick(rng, [100, 250, 400, 1000]) for _ in range(k)],
    }
    text = (
        f"{k} hospitals return a model weight of {p['weights']} after training on {p['examples']} examples. "
        "What is the weight after one FedAvg aggregation?"
    )
    results = [([np.array([w])], n) for w, n in zip(p["weights"], p["examples"], strict=True)]
    return text, p, float(FedAvg().aggregate_fit(1, [np.array([0.0])], results)[0][0])
