"""Per-example gradients and their clipped sum against autograd, one example at a time.

The reference is the definition: for each example, ``autograd`` of its own loss, clipped to the
bound as one vector over all parameters, then summed. It covers the ordinary models (fast path)
and models whose parameters are used more than once in a forward pass, where the outer-product
fast path would be wrong and the torch.func path must take over.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from ppml_lab.dp import per_sample_gradients
from ppml_lab.dp.per_sample import clipped_gradient_sum
from ppml_lab.models import MLP, SmallCNN


class TwoUseLinear(torch.nn.Module):
    """The same Linear layer applied twice in one forward pass."""

    def __init__(self) -> None:
        super().__init__()
        self.shared = torch.nn.Linear(6, 6)
        self.head = torch.nn.Linear(6, 2)

    def forward(self, x):
        return self.head(torch.tanh(self.shared(torch.tanh(self.shared(x)))))


class TiedWeight(torch.nn.Module):
    """A Linear layer called once whose weight is used again directly (``F.linear``)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(6, 6)
        self.head = torch.nn.Linear(6, 2)

    def forward(self, x):
        return self.head(torch.tanh(F.linear(torch.tanh(self.fc(x)), self.fc.weight)))


def autograd_per_example(model, X, y) -> dict[str, torch.Tensor]:
    """Each example's gradient by a separate backward pass of its own loss."""
    rows = []
    for i in range(len(X)):
        model.zero_grad()
        F.cross_entropy(model(X[i : i + 1]), y[i : i + 1]).backward()
        rows.append({k: p.grad.detach().clone() for k, p in model.named_parameters()})
    return {k: torch.stack([r[k] for r in rows]) for k in rows[0]}


def autograd_clipped_sum(model, X, y, max_norm) -> dict[str, torch.Tensor]:
    per = autograd_per_example(model, X, y)
    norms = torch.sqrt(sum((g.reshape(len(X), -1) ** 2).sum(1) for g in per.values()))
    factor = torch.clamp(max_norm / (norms + 1e-6), max=1.0)
    return {k: torch.einsum("n,n...->...", factor, g) for k, g in per.items()}


MODELS = {
    "mlp": (lambda: MLP(20), (10, 20)),
    "cnn": (lambda: SmallCNN(32), (6, 1, 32, 32)),
    "two_use_linear": (TwoUseLinear, (10, 6)),
    "tied_weight": (TiedWeight, (10, 6)),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_torch_func_per_example_gradients_equal_autograd(name):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    model = make()
    X, y = torch.randn(*shape), torch.randint(0, 2, (shape[0],))
    ours = per_sample_gradients(model, X, y)
    ref = autograd_per_example(model, X, y)
    for k in ref:
        assert torch.allclose(ours[k], ref[k], atol=1e-6), k


@pytest.mark.parametrize("max_norm", [0.05, 1.0, math.inf])
@pytest.mark.parametrize("name", list(MODELS))
def test_clipped_gradient_sum_equals_per_example_autograd(name, max_norm):
    make, shape = MODELS[name]
    torch.manual_seed(1)
    model = make()
    X, y = torch.randn(*shape), torch.randint(0, 2, (shape[0],))
    ours = clipped_gradient_sum(model, X, y, max_norm)
    ref = autograd_clipped_sum(model, X, y, max_norm)
    assert set(ours) == set(ref)
    for k in ref:
        # float32 sums of at most ten examples: 1e-5 absolute is rounding, not a method error
        assert torch.allclose(ours[k], ref[k], atol=1e-5, rtol=1e-4), (k, (ours[k] - ref[k]).abs().max())


def test_unclipped_sum_of_a_reused_layer_is_the_batch_gradient():
    """With no clipping the sum is autograd's gradient of the summed loss over the batch."""
    torch.manual_seed(2)
    model = TwoUseLinear()
    X, y = torch.randn(32, 6), torch.randint(0, 2, (32,))
    summed = clipped_gradient_sum(model, X, y, math.inf)
    model.zero_grad()
    F.cross_entropy(model(X), y, reduction="sum").backward()
    for k, p in model.named_parameters():
        assert torch.allclose(summed[k], p.grad, atol=1e-5), k
