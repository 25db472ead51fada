"""Anonymization for compliance: k-anonymity and its successors."""

from ppml_lab.anonymity.kanon import equivalence_class_sizes, is_k_anonymous, k_anonymity

__all__ = ["equivalence_class_sizes", "is_k_anonymous", "k_anonymity"]
