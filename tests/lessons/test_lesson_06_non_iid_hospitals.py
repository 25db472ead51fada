"""The non-IID hospitals lesson grades right from wrong with the real nbgrader CLI.

For each graded function: plausible wrong answers lose that function's marks, answers that hand the
work to the kit earn none of them (and say which function they called), and other correct
implementations earn all of them. Each submission fills both answers with one variant each; every
step variant writes its proximal term inline (or uses the allowed ``ppml_lab.fl.proximal_term``), so
its marks do not depend on the proximal-term variant it is paired with.
"""

import pytest

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "06_non_iid_hospitals"

# --- proximal_term (5 points over four cells) -------------------------------------------------------

# mu * ||w - w_global||^2: no 1/2, so the value and the gradient are twice too big.
NO_HALF = """
def proximal_term(model_params, global_params, mu):
    total = torch.zeros(())
    for w, g in zip(model_params, global_params):
        total = total + ((w - g) ** 2).sum()
    return mu * total
"""

# The norm, not squared: linear in the distance.
UNSQUARED = """
def proximal_term(model_params, global_params, mu):
    return mu / 2 * sum(torch.norm(w - g) for w, g in zip(model_params, global_params))
"""

# `total = ...` instead of `total = total + ...`: only the last tensor counts.
OVERWRITE = """
def proximal_term(model_params, global_params, mu):
    total = torch.zeros(())
    for w, g in zip(model_params, global_params):
        total = ((w - g) ** 2).sum()
    return 0.5 * mu * total
"""

# The right number through .item(): no gradient reaches the parameters.
DETACHED = """
def proximal_term(model_params, global_params, mu):
    total = 0.0
    for w, g in zip(model_params, global_params):
        total += ((w - g) ** 2).sum().item()
    return torch.tensor(0.5 * mu * total)
"""

# Forwards to the kit's term, the reference it is graded against.
DELEGATING_PROX = """
from ppml_lab.fl import proximal_term as _engine_term

def proximal_term(model_params, global_params, mu):
    return _engine_term(model_params, global_params, mu)
"""

# Correct: one flat difference vector and a dot product.
FLAT = """
def proximal_term(model_params, global_params, mu):
    d = torch.cat([(w - g).reshape(-1) for w, g in zip(model_params, global_params)])
    return mu / 2 * torch.dot(d, d)
"""

# Correct: summed mean-squared-error losses, a Python sum of tensors.
MSE_SUM = """
def proximal_term(model_params, global_params, mu):
    return sum(F.mse_loss(w, g, reduction="sum") for w, g in zip(model_params, global_params)) * (mu / 2)
"""

# Correct: squared vector norms in float64, scaled by a NumPy float.
NORM_DOUBLE = """
def proximal_term(model_params, global_params, mu):
    sq = [torch.linalg.vector_norm(w.double() - g.double()) ** 2 for w, g in zip(model_params, global_params)]
    return np.float64(mu) / 2 * torch.stack(sq).sum()
"""


# --- fedprox_step (4 points over three cells) --------------------------------------------------

# Plain SGD on the cross-entropy: right only where w = w_global (the first step of a round).
NO_PROX_STEP = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    model.zero_grad()
    loss = F.cross_entropy(model(X_batch), y_batch)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return float(loss.detach())
"""

# Steps on the full objective but returns the cross-entropy alone.
CE_RETURNED = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    opt.zero_grad()
    ce = F.cross_entropy(model(X_batch), y_batch)
    prox = mu / 2 * sum(((p - g) ** 2).sum() for p, g in zip(model.parameters(), global_params))
    (ce + prox).backward()
    opt.step()
    return ce.item()
"""

# The proximal term with the wrong sign: a spring that pushes away from the global model.
PUSH_AWAY = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    model.zero_grad()
    ce = F.cross_entropy(model(X_batch), y_batch)
    prox = mu / 2 * sum(((p - g) ** 2).sum() for p, g in zip(model.parameters(), global_params))
    loss = ce - prox
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return float(ce + prox)
"""

# Returns the objective after the step, not before it.
AFTER_STEP = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    def objective():
        ce = F.cross_entropy(model(X_batch), y_batch)
        return ce + mu / 2 * sum(((p - g) ** 2).sum() for p, g in zip(model.parameters(), global_params))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    opt.zero_grad()
    objective().backward()
    opt.step()
    with torch.no_grad():
        return float(objective())
"""

# One step of the engine's own FedProx training loop.
DELEGATING_STEP = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    client = TorchClient("me", lambda: model, X_batch, y_batch, batch_size=len(y_batch), lr=lr)
    return client._train(1, mu, list(global_params))
"""

# Correct: torch.optim.SGD on the objective built tensor by tensor; returns loss.item().
OPTIM_STEP = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    opt.zero_grad()
    loss = F.cross_entropy(model(X_batch), y_batch)
    for p, g in zip(model.parameters(), global_params):
        loss = loss + mu / 2 * torch.sum((p - g) ** 2)
    loss.backward()
    opt.step()
    return loss.item()
"""

# Correct: backward on the cross-entropy only, the pull mu (w - w_global) added by hand.
MANUAL_PULL = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    params = list(model.parameters())
    for p in params:
        p.grad = None
    ce = F.cross_entropy(model(X_batch), y_batch)
    ce.backward()
    with torch.no_grad():
        prox = sum(float(((p - g) ** 2).sum()) for p, g in zip(params, global_params))
        for p, g in zip(params, global_params):
            p.sub_(lr * (p.grad + mu * (p - g)))
    return float(ce.item() + mu / 2 * prox)
"""

# Correct: torch.autograd.grad with the allowed ppml_lab.fl.proximal_term; returns a NumPy float.
AUTOGRAD_NP = """
from ppml_lab.fl import proximal_term as engine_proximal_term

def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    params = list(model.parameters())
    loss = F.cross_entropy(model(X_batch), y_batch) + engine_proximal_term(params, global_params, mu)
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        for p, d in zip(params, grads):
            p.add_(d, alpha=-lr)
    return np.float64(loss.item())
"""

CELLS = {
    "proximal_term": {"test_proximal_basics": 1.0, "test_proximal_values": 2.0, "test_proximal_quadratic": 1.0,
                      "test_proximal_gradient": 1.0},
    "fedprox_step": {"test_fedprox_step_first": 1.0, "test_fedprox_step_pull": 1.0, "test_fedprox_training": 2.0},
}
# One submission per row: (proximal_term, fedprox_step) variants, each with the marks it must earn,
# cell by cell in the order of CELLS.
SUBMISSIONS = {
    "v1": {"proximal_term": (NO_HALF, (1, 0, 1, 0)), "fedprox_step": (NO_PROX_STEP, (1, 0, 0))},
    "v2": {"proximal_term": (UNSQUARED, (1, 0, 0, 0)), "fedprox_step": (CE_RETURNED, (1, 0, 0))},
    "v3": {"proximal_term": (OVERWRITE, (1, 0, 1, 0)), "fedprox_step": (PUSH_AWAY, (1, 0, 0))},
    "v4": {"proximal_term": (DETACHED, (1, 2, 1, 0)), "fedprox_step": (AFTER_STEP, (0, 0, 0))},
    "v5": {"proximal_term": (DELEGATING_PROX, (0, 0, 0, 0)), "fedprox_step": (OPTIM_STEP, (1, 1, 2))},
    "v6": {"proximal_term": (FLAT, (1, 2, 1, 1)), "fedprox_step": (DELEGATING_STEP, (0, 0, 0))},
    "v7": {"proximal_term": (MSE_SUM, (1, 2, 1, 1)), "fedprox_step": (MANUAL_PULL, (1, 1, 2))},
    "v8": {"proximal_term": (NORM_DOUBLE, (1, 2, 1, 1)), "fedprox_step": (AUTOGRAD_NP, (1, 1, 2))},
}
# Cheats: the submission, the function it hands its work to, and the name the message must give.
CHEATS = [("v5", "proximal_term", "ppml_lab.fl.proximal_term"), ("v6", "fedprox_step", "TorchClient")]


# Grading ten notebooks takes several minutes of CPU; on a shared machine the wall clock can be far longer.
SLOW = pytest.mark.timeout(2700)
NBGRADER_TIMEOUT = 2400  # seconds for one nbgrader autograde run


def _grade(tmp_path, students, extra=None):
    """Autograde the named submissions (and ``extra`` notebooks) and check the marks of each variant."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS)
    variants = dict(extra or {})
    for student in students:
        rows = SUBMISSIONS[student]
        variants[student] = notebook_with_answers(A, {fn: code for fn, (code, _) in rows.items()})
    results = autograde_variants(A, variants, tmp_path, timeout=NBGRADER_TIMEOUT)
    for student in students:
        rows = SUBMISSIONS[student]
        got = results[student].cells
        for fn, (_, marks) in rows.items():
            want = {cell: (float(m), points) for (cell, points), m in zip(CELLS[fn].items(), marks, strict=True)}
            assert {cell: got[cell] for cell in CELLS[fn]} == want, (student, fn)
        assert results[student].score == sum(sum(m) for _, m in rows.values()), (student, got)

    for student, fn, called in (c for c in CHEATS if c[0] in students):
        for cell in CELLS[fn]:
            text = results[student].outputs_text(cell)
            assert "No marks for this answer" in text and called in text, (student, cell, text[-600:])
    return results


@SLOW
def test_solution_earns_full_marks_blank_zero_and_wrong_answers_lose_theirs(tmp_path):
    answers = solution_answers(A)
    results = _grade(tmp_path, ["v1", "v2", "v3", "v4"],
                     {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)})

    solution, blank = results["solution"], results["blank"]
    assert set(solution.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert solution.max_score == 9 and solution.score == 9, solution.cells
    assert blank.score == 0 and blank.max_score == 9, blank.cells


@SLOW
def test_cheats_earn_nothing_and_other_correct_answers_earn_everything(tmp_path):
    _grade(tmp_path, ["v5", "v6", "v7", "v8"])


def test_the_exercises_state_what_the_hidden_tests_check():
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "on `model.parameters()` (an iterator" in source
    assert "the tests check your step (its\nobjective and its update) both at the global model and away from it" in source
    assert "`ppml_lab.fl.proximal_term` (the only function of `ppml_lab` this exercise\nallows)" in source
