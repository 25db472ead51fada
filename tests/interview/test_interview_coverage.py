"""What the bank must cover: its size, the roles' own interview questions, the corrections of their
sample answers, and at least five questions in every topic area.

The roles' questions are encoded here by id (the tests read nothing outside the repository). Each
check is a function returning its problems, so the tests can show that a damaged bank is rejected.
"""

import dataclasses
import re

from ppml_lab.interview import load_bank

BANK = load_bank()
MIN_QUESTIONS = 80
MIN_PER_AREA = 5

# Every interview question and scenario of each role description, by the id of the bank question
# that asks it.
ROLE_QUESTIONS = {
    "ppml-specialist": {
        "encrypted-credit-risk-design",  # logistic regression on data encrypted throughout
        "two-bank-fraud-design",  # two banks, one fraud model, no raw data shared
        "hospital-mri-production",  # production-grade CNN on MRI scans, low latency
        "smpc-vs-he-cost-drivers",  # what dominates the cost of SMPC and of HE
        "smpc-high-latency-links",  # ... and the high-latency claim of the sample answer
        "smpc-10x-slowdown",  # a secure training ten times slower than expected
        "smpc-spdz-is-not-a-speedup",  # ... and the "switch to SPDZ" remedy of the sample answer
        "library-choice-he-smpc",  # SEAL, OpenFHE, TenSEAL, MP-SPDZ, CrypTen, PySyft
    },
    "data-compliance": {
        "plausible-deniability-sensitive-features",  # plausible deniability on sensitive features
        "chest-xray-three-hospitals",  # three hospitals, chest X-rays, no images shared
        "device-telemetry-design",  # usage statistics without seeing a device's data
        "dp-sgd-hyperparameters",  # DP-SGD: the modification, the knobs, the trade-off
        "dp-sgd-clipping-norm",  # ... and the "C controls epsilon" claim of the sample answer
        "fl-deployment-challenges",  # the challenges of FL, and non-IID remedies
        "fl-non-iid-remedies",
        "fedavgm-not-robust-aggregation",  # ... and the "FedAvgM is robust" claim of the sample answer
        "library-choice-fl-dp",  # TFF, PySyft, FATE, Opacus, TF Privacy, diffprivlib
    },
}

# Where a sample answer of the role descriptions is wrong, these questions' model answers must say
# so: (question ids, phrases of which each answer must contain at least one, per requirement).
CORRECTIONS = {
    "latency hurts SMPC": (
        {"smpc-vs-he-cost-drivers", "smpc-high-latency-links"},
        [r"latency hurts smpc|link hurts smpc", r"high-latency"],
    ),
    "FedAvgM is momentum, not robust aggregation": (
        {"fedavgm-not-robust-aggregation", "fl-non-iid-remedies", "fl-deployment-challenges"},
        [r"not (a )?robust aggregation", r"momentum", r"median", r"trimmed mean", r"krum"],
    ),
    "the clipping norm does not set epsilon": (
        {"dp-sgd-hyperparameters", "dp-sgd-clipping-norm"},
        [r"clipping norm does not (set|change) epsilon"],
    ),
    "SPDZ is not a speed-up": (
        {"smpc-10x-slowdown", "smpc-spdz-is-not-a-speedup"},
        [r"spdz is not a speed-up|slower, not faster", r"mac"],
    ),
}
# The wrong claims themselves, which no model answer may make.
WRONG_CLAIMS = [
    r"suit\w*( for)? [a-z ,-]*high-latency",
    r"robust aggregation (strategy|rule)[a-z ,]*(like|such as) fedavgm",
]

# Each topic area, by the tags that place a question in it.
AREAS = {
    "differential privacy": {"dp"},
    "homomorphic encryption": {"he"},
    "secure multi-party computation": {"smpc", "psi"},
    "secure aggregation": {"secagg"},
    "federated learning": {"fl"},
    "attacks and auditing": {"attacks"},
    "anonymization and compliance": {"anonymization", "gdpr"},
    "systems and design trade-offs": {"system-design"},
}
# The subjects inside the areas, each by at least one question's tag.
SUBJECT_TAGS = {
    "mechanisms", "accounting", "dp-sgd", "neighbouring", "composition", "implementation", "ldp",
    "ckks", "packing", "rotations", "bootstrapping", "ind-cpa-d", "paillier",
    "beaver", "truncation", "triple-reuse", "psi", "malicious-security", "latency",
    "dropouts", "threshold", "secagg-plus", "distributed-dp",
    "fedprox", "fedavgm", "personalization", "heterogeneity", "communication", "robust-aggregation",
    "poisoning", "membership-inference", "lira", "auditing", "gradient-inversion",
    "k-anonymity", "l-diversity", "t-closeness", "record-linkage", "gdpr", "threat-model", "cost-model",
}  # fmt: skip


def size_problems(bank) -> list[str]:
    ids = [q.id for q in bank]
    problems = [f"{len(bank)} questions, fewer than {MIN_QUESTIONS}"] if len(bank) < MIN_QUESTIONS else []
    return problems + [f"id {i!r} used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]


def role_problems(bank) -> list[str]:
    roles = {q.id: q.roles for q in bank}
    return [
        f"{role}: {qid} missing" if qid not in roles else f"{role}: {qid} not tagged with the role"
        for role, ids in ROLE_QUESTIONS.items()
        for qid in sorted(ids)
        if role not in roles.get(qid, ())
    ]


def correction_problems(bank) -> list[str]:
    answers = {q.id: q.model_answer.lower() for q in bank}
    problems = []
    for name, (ids, phrases) in CORRECTIONS.items():
        for qid in sorted(ids):
            text = answers.get(qid, "")
            problems += [f"{qid}: does not say {name!r} ({p})" for p in phrases if not re.search(p, text)]
    return problems + [
        f"{qid}: makes the wrong claim {claim!r}"
        for qid, text in answers.items()
        for claim in WRONG_CLAIMS
        if re.search(claim, text)
    ]


def area_problems(bank) -> list[str]:
    counts = {area: sum(bool(tags & set(q.topics)) for q in bank) for area, tags in AREAS.items()}
    tags = {t for q in bank for t in q.topics}
    return [f"{area}: {n} questions" for area, n in counts.items() if n < MIN_PER_AREA] + [
        f"no question tagged {t!r}" for t in sorted(SUBJECT_TAGS - tags)
    ]


def test_bank_has_enough_questions_with_unique_ids():
    assert not size_problems(BANK)


def test_every_role_question_is_in_the_bank_for_its_role():
    assert not role_problems(BANK)


def test_wrong_sample_answers_are_corrected_explicitly():
    assert not correction_problems(BANK)


def test_every_area_has_enough_questions():
    assert not area_problems(BANK)


def _with_answer(bank, qid: str, answer: str) -> list:
    return [dataclasses.replace(q, model_answer=answer) if q.id == qid else q for q in bank]


def test_the_checks_reject_a_damaged_bank():
    assert size_problems(BANK[: MIN_QUESTIONS - 1]) and size_problems([*BANK, BANK[0]])
    missing = [q for q in BANK if q.id != "fl-deployment-challenges"]
    assert role_problems(missing) == ["data-compliance: fl-deployment-challenges missing"]
    untagged = [
        dataclasses.replace(q, roles=("ppml-specialist",)) if q.id == "dp-sgd-hyperparameters" else q
        for q in BANK
    ]
    assert role_problems(untagged) == ["data-compliance: dp-sgd-hyperparameters not tagged with the role"]
    wrong = "Because its cost is mostly rounds, SMPC suits low-bandwidth, high-latency networks."
    found = correction_problems(_with_answer(BANK, "smpc-high-latency-links", wrong))
    assert any("latency hurts" in p for p in found) and any("wrong claim" in p for p in found)
    wrong = "Against outliers I would add a robust aggregation rule such as FedAvgM."
    found = correction_problems(_with_answer(BANK, "fedavgm-not-robust-aggregation", wrong))
    assert any("robust aggregation" in p and "does not say" in p for p in found)
    assert any("wrong claim" in p for p in found)
    no_secagg = [q for q in BANK if "secagg" not in q.topics]
    assert "secure aggregation: 0 questions" in area_problems(no_secagg)
    no_lira = [dataclasses.replace(q, topics=tuple(t for t in q.topics if t != "lira")) for q in BANK]
    assert area_problems(no_lira) == ["no question tagged 'lira'"]
