"""Anonymization for compliance: k-anonymity, l-diversity, t-closeness, Mondrian, and the attacks they answer.

In the order of the lesson: equivalence classes and k (:mod:`.kanon`), the linkage attack and who it
re-identifies (:mod:`.linkage`), Mondrian generalisation one median cut at a time and its information
loss (:mod:`.mondrian`), l-diversity and t-closeness (:mod:`.diversity`), and the homogeneity and
composition attacks (:mod:`.linkage`).
"""

from ppml_lab.anonymity.diversity import (
    distinct_l_diversity,
    earth_movers_distance,
    entropy_l_diversity,
    is_l_diverse,
    t_closeness,
)
from ppml_lab.anonymity.kanon import equivalence_class_sizes, is_k_anonymous, k_anonymity
from ppml_lab.anonymity.linkage import (
    LinkageResult,
    composition_attack,
    linkage_attack,
    public_register,
    reidentify,
)
from ppml_lab.anonymity.mondrian import discernibility, median_cut, mondrian, normalized_certainty_penalty

__all__ = [
    "LinkageResult",
    "composition_attack",
    "discernibility",
    "distinct_l_diversity",
    "earth_movers_distance",
    "entropy_l_diversity",
    "equivalence_class_sizes",
    "is_k_anonymous",
    "is_l_diverse",
    "k_anonymity",
    "linkage_attack",
    "median_cut",
    "mondrian",
    "normalized_certainty_penalty",
    "public_register",
    "reidentify",
    "t_closeness",
]
