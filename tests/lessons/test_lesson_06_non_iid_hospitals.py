"""The non-IID hospitals lesson grades full, zero, partial and no-delegation marks with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "06_non_iid_hospitals"

# Plausible mistakes in the proximal term: mu * ||w - w_global||^2 (no 1/2), and the norm not squared.
NO_HALF = """
def proximal_term(model_params, global_params, mu):
    total = torch.zeros(())
    for w, g in zip(model_params, global_params):
        total = total + ((w - g) ** 2).sum()
    return mu * total
"""
UNSQUARED = """
def proximal_term(model_params, global_params, mu):
    return mu / 2 * sum(torch.norm(w - g) for w, g in zip(model_params, global_params))
"""
# A step that forgets the proximal term: plain SGD on the cross-entropy (right only where w = w_global).
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
# Right numbers, not the learner's work: one step of the engine's own FedProx training loop.
DELEGATING_STEP = """
def fedprox_step(model, X_batch, y_batch, global_params, mu, lr):
    client = TorchClient("me", lambda: model, X_batch, y_batch, batch_size=len(y_batch), lr=lr)
    return client._train(1, mu, list(global_params))
"""

PROXIMAL_CELLS = {
    "test_proximal_basics": 1.0,
    "test_proximal_values": 2.0,
    "test_proximal_quadratic": 1.0,
    "test_proximal_gradient": 1.0,
}
STEP_CELLS = {"test_fedprox_step_first": 1.0, "test_fedprox_training": 2.0}


def test_non_iid_lesson_grades_full_zero_partial_and_refuses_delegation(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == {"proximal_term", "fedprox_step"}
    # Two wrong answers per notebook (one per exercise) keep the number of nbgrader runs down; the
    # cells of each exercise depend only on that exercise's answer.
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "nohalf_delegates": notebook_with_answers(
                A, {"proximal_term": NO_HALF, "fedprox_step": DELEGATING_STEP}
            ),
            "unsquared_noprox": notebook_with_answers(
                A, {"proximal_term": UNSQUARED, "fedprox_step": NO_PROX_STEP}
            ),
        },
        tmp_path,
    )
    solution, blank = results["solution"], results["blank"]
    assert solution.max_score == 8 and solution.score == 8, solution.cells
    assert set(solution.cells) == set(PROXIMAL_CELLS) | set(STEP_CELLS)
    assert blank.score == 0 and blank.max_score == 8, blank.cells

    # Without the 1/2: zero at the global model and quadratic, but the value and gradient are twice too big.
    a = results["nohalf_delegates"].cells
    assert a["test_proximal_basics"] == (1.0, 1.0), a
    assert a["test_proximal_quadratic"] == (1.0, 1.0), a
    assert a["test_proximal_values"] == (0.0, 2.0), a
    assert a["test_proximal_gradient"] == (0.0, 1.0), a
    # Forwarding to TorchClient's training loop gets the numbers right and earns nothing, saying why.
    for cell, points in STEP_CELLS.items():
        assert a[cell] == (0.0, points), (cell, a)
        assert "the reference implementation it is graded against" in results["nohalf_delegates"].outputs_text(cell)
    assert results["nohalf_delegates"].score == 2

    # The norm not squared: still zero at the global model and linear in mu; nothing else.
    b = results["unsquared_noprox"].cells
    assert b["test_proximal_basics"] == (1.0, 1.0), b
    for cell in ("test_proximal_values", "test_proximal_quadratic", "test_proximal_gradient"):
        assert b[cell] == (0.0, PROXIMAL_CELLS[cell]), (cell, b)
    # A step without the proximal term is right at w = w_global only: the first step, not the training.
    assert b["test_fedprox_step_first"] == (1.0, 1.0), b
    assert b["test_fedprox_training"] == (0.0, 2.0), b
    assert results["unsquared_noprox"].score == 2
