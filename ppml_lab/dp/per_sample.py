"""Per-example gradients for DP-SGD in PyTorch, and their clipped sum.

Two ways to get each example's gradient:

* :func:`per_sample_gradients` with ``torch.func`` (``vmap`` over ``grad``): correct for any model,
  at the cost of materialising every example's gradient of every parameter;
* the fast path inside :func:`clipped_gradient_sum` for models made only of ``Linear`` and
  ``Conv2d`` layers: one backward pass to the layers' outputs, per-example gradients as outer
  products of a layer's input and its output gradient.

The fast path is only right when every parameter is used exactly once in the forward pass. A
layer called twice (a shared block, a recurrent unrolling) or a weight also used directly with
``F.linear`` gets a gradient that is a sum over its uses, which the outer-product formula does not
see. :func:`clipped_gradient_sum` counts, during the forward pass, the torch calls that take each
parameter and each layer's forward calls, and falls back to ``torch.func`` whenever a count is
not exactly one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap
from torch.overrides import TorchFunctionMode


def per_sample_gradients(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each example's gradient of the cross-entropy, per parameter (leading dimension = example)."""
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss(p, x, t):
        out = functional_call(model, (p, buffers), (x.unsqueeze(0),))
        return F.cross_entropy(out, t.unsqueeze(0))

    return vmap(grad(loss), in_dims=(None, 0, 0))(params, X, y)


def clip_and_sum(per_sample: dict[str, torch.Tensor], max_grad_norm: float) -> dict[str, torch.Tensor]:
    """Clip each example's whole gradient (all parameters together) to ``max_grad_norm``, then sum."""
    flat = [g.reshape(g.shape[0], -1) for g in per_sample.values()]
    norms = torch.sqrt(sum((f * f).sum(dim=1) for f in flat))
    factor = torch.clamp(max_grad_norm / (norms + 1e-6), max=1.0)
    return {k: torch.einsum("i,i...->...", factor, g) for k, g in per_sample.items()}


_FAST_LAYERS = (torch.nn.Linear, torch.nn.Conv2d)


def _supports_fast_path(model: torch.nn.Module) -> bool:
    """True when every trainable parameter belongs to a Linear or Conv2d layer (no parameter sharing)."""
    owned = 0
    for module in model.modules():
        own = list(module.parameters(recurse=False))
        if own and not isinstance(module, _FAST_LAYERS):
            return False
        if isinstance(module, torch.nn.Conv2d) and (module.groups != 1 or module.padding_mode != "zeros"):
            return False
        owned += len(own)
    return owned == len([p for p in model.parameters() if p.requires_grad])


class _ParameterUses(TorchFunctionMode):
    """Counts, during a forward pass, how many torch calls take each parameter as an argument."""

    def __init__(self, params: list[torch.Tensor]) -> None:
        super().__init__()
        self.uses = {id(p): 0 for p in params}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for a in (*args, *kwargs.values()):
            if id(a) in self.uses:
                self.uses[id(a)] += 1
        return func(*args, **kwargs)


def _conv_per_sample_weight_grads(m: torch.nn.Conv2d, a: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Each example's Conv2d weight gradient, flattened to (n, out_channels, in_channels * k * k)."""
    n, o = g.shape[:2]
    if m.stride == (1, 1) and m.dilation == (1, 1):
        # correlate every example's input with its own output gradient: one grouped convolution
        out = F.conv2d(a.transpose(0, 1), g.reshape(n * o, 1, *g.shape[2:]), padding=m.padding, groups=n)
        return out.reshape(a.shape[1], n, o, -1).permute(1, 2, 0, 3).reshape(n, o, -1)
    cols = F.unfold(a, m.kernel_size, dilation=m.dilation, padding=m.padding, stride=m.stride)
    return torch.bmm(g.reshape(n, o, -1), cols.transpose(1, 2))


def clipped_gradient_sum(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, max_grad_norm: float):
    """Sum over the batch of each example's gradient clipped to ``max_grad_norm``, per parameter.

    For Linear and Conv2d layers each example's gradient is an outer product of the layer's input
    and the gradient at its output, so one backward pass to the layers' outputs (a forward hook
    records their inputs) gives them all, and no parameter gradient is formed. Linear layers never
    materialise them (the norm of an outer product is the product of norms); Conv2d layers get
    them from one grouped convolution. Models with other layers, a layer called more than once,
    or a parameter used outside its layer fall back to ``torch.func`` (:func:`per_sample_gradients`).
    """

    def slow():
        return clip_and_sum(per_sample_gradients(model, X, y), max_grad_norm)

    if not _supports_fast_path(model):
        return slow()
    layers = [m for m in model.modules() if isinstance(m, _FAST_LAYERS)]
    params = [p for p in model.parameters() if p.requires_grad]
    inputs: dict[torch.nn.Module, torch.Tensor] = {}
    outs: dict[torch.nn.Module, torch.Tensor] = {}
    calls = dict.fromkeys(layers, 0)

    def record(mod, inp, out):
        calls[mod] += 1
        inputs[mod] = inp[0].detach()
        outs[mod] = out

    handles = [m.register_forward_hook(record) for m in layers]
    counter = _ParameterUses(params)
    try:
        with counter:
            loss = F.cross_entropy(model(X), y, reduction="sum")
    finally:
        for h in handles:
            h.remove()
    # the outer-product formula holds only for a layer run once whose parameters enter one call
    if any(c != 1 for c in calls.values()) or any(u != 1 for u in counter.uses.values()):
        return slow()
    # gradients at each layer's output only: the parameters' own gradients are never formed
    grads = torch.autograd.grad(loss, [outs[m] for m in layers])
    outputs = {m: g.detach() for m, g in zip(layers, grads, strict=True)}
    n = len(X)
    sq_norms = torch.zeros(n)
    pieces = {}
    for m in layers:
        a, g = inputs[m], outputs[m]
        if isinstance(m, torch.nn.Linear):
            if a.dim() != 2:
                return slow()
            sq_norms += (a * a).sum(1) * (g * g).sum(1)
            if m.bias is not None:
                sq_norms += (g * g).sum(1)
            pieces[m] = ("linear", a, g)
        else:
            gw = _conv_per_sample_weight_grads(m, a, g)
            sq_norms += (gw * gw).sum((1, 2))
            gb = g.sum((2, 3))
            if m.bias is not None:
                sq_norms += (gb * gb).sum(1)
            pieces[m] = ("conv", gw, gb)
    factor = torch.clamp(max_grad_norm / (sq_norms.sqrt() + 1e-6), max=1.0)
    summed: dict[str, torch.Tensor] = {}
    names = {p: k for k, p in model.named_parameters()}
    for m, (kind, u, v) in pieces.items():
        if kind == "linear":
            w_sum = torch.einsum("n,no,ni->oi", factor, v, u)
            b_sum = factor @ v
        else:
            w_sum = torch.einsum("n,nok->ok", factor, u).reshape(m.weight.shape)
            b_sum = factor @ v
        summed[names[m.weight]] = w_sum
        if m.bias is not None:
            summed[names[m.bias]] = b_sum
    return summed
