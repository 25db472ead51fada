"""Differential privacy: mechanisms, accountants and DP-SGD."""

from ppml_lab.dp.mechanisms import randomized_response_epsilon

__all__ = ["randomized_response_epsilon"]
