"""Each docstring that says where randomness comes from names the generator that really draws it.

"From the OS CSPRNG" is true only of keys, masks and shares read from ``secrets``/``os.urandom``;
DP noise and public choices are drawn by a seeded generator (PCG64 in NumPy, MT19937 in torch)
whose seed comes from the OS CSPRNG, and saying so is what lets a reader judge the floating-point
and reproducibility risks.
"""

import inspect

import pytest

from ppml_lab.attacks import inversion, targets
from ppml_lab.dp import dpsgd
from ppml_lab.secagg import protocol


@pytest.mark.parametrize(
    ("obj", "generator", "draws_with"),
    [
        (inversion.clip_and_noise, "MT19937", "torch.Generator"),
        (targets.DPSGDRecipe, "MT19937", "train_dp_sgd"),
        (protocol.SecureAggregationServer, "PCG64", "noise_generator"),
        (dpsgd, "MT19937", "torch.Generator"),
        (dpsgd, "PCG64", "noise_generator"),
    ],
)
def test_the_generator_named_is_the_one_the_code_calls(obj, generator, draws_with):
    assert generator in inspect.getdoc(obj), f"{obj.__name__}: the docstring does not name {generator}"
    assert draws_with in inspect.getsource(obj), f"{obj.__name__} no longer draws with {draws_with}"
