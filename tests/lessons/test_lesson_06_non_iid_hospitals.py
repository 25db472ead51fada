"""The non-IID hospitals lesson grades right from wrong with the real nbgrader CLI.

For each graded function: plausible wrong answers lose that function's marks, answers that hand the
work to the kit earn none of them (and say which function they called), and other correct
implementations earn all of them. Each of six submissions fills every answer with one variant; every
step variant writes its proximal term inline (or uses the allowed ``ppml_lab.fl.proximal_term``), so
its marks do not depend on the proximal-term variant it is paired with.
"""

import pytest

from autograder.testing import (
    assert_cheats_named,
    assert_marks_per_cell,
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
)

A = "06_non_iid_hospitals"
MANUAL = "interview_non_iid_or_poisoned"  # the written answer, graded by hand

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

# --- label_skew_tv (3 points over two cells) ------------------------------------------------------

# The pool as the mean of the hospitals' mixes: a small hospital counts as much as a large one.
UNWEIGHTED_S = """
def label_skew_tv(client_labels):
    classes = np.unique(np.concatenate([np.asarray(lab) for lab in client_labels]))
    mixes = np.array([[np.mean(np.asarray(lab) == c) for c in classes] for lab in client_labels])
    overall = mixes.mean(axis=0)
    return float(np.mean(0.5 * np.abs(mixes - overall).sum(axis=1)))
"""
# The L1 distance without the 1/2: disjoint labels would then give 1, as the old text said.
L1_S = """
def label_skew_tv(client_labels):
    pooled = np.concatenate([np.asarray(lab) for lab in client_labels])
    classes = np.unique(pooled)
    overall = np.array([np.mean(pooled == c) for c in classes])
    return float(np.mean([np.abs(np.array([np.mean(np.asarray(lab) == c) for c in classes]) - overall).sum()
                          for lab in client_labels]))
"""
# Each hospital's shares over the classes it has (np.unique per hospital): a missing class shifts the rest.
OWN_CLASSES_S = """
def label_skew_tv(client_labels):
    pooled = np.concatenate([np.asarray(lab) for lab in client_labels])
    _, counts = np.unique(pooled, return_counts=True)
    overall = counts / counts.sum()
    total = 0.0
    for lab in client_labels:
        _, c = np.unique(np.asarray(lab), return_counts=True)
        mix = np.zeros_like(overall)
        mix[: len(c)] = c / c.sum()
        total += 0.5 * np.abs(mix - overall).sum()
    return total / len(client_labels)
"""
# The kit's skew report does the measuring.
REPORT_S = """
from ppml_lab.fl import skew_report

def label_skew_tv(client_labels):
    return skew_report([np.asarray(lab) for lab in client_labels])["label_skew_tv"]
"""
# Correct: plain Python with collections.Counter.
COUNTER_S = """
from collections import Counter

def label_skew_tv(client_labels):
    counts = [Counter(np.asarray(lab).ravel().tolist()) for lab in client_labels]
    pooled = sum(counts, Counter())
    n = sum(pooled.values())
    total = 0.0
    for c in counts:
        size = sum(c.values())
        total += 0.5 * sum(abs(c[k] / size - pooled[k] / n) for k in pooled)
    return total / len(counts)
"""
# Correct: a pandas crosstab of hospital against label, normalised by row; returns a NumPy float.
CROSSTAB_S = """
def label_skew_tv(client_labels):
    frame = pd.DataFrame({
        "hospital": np.concatenate([np.full(len(lab), k) for k, lab in enumerate(client_labels)]),
        "label": np.concatenate([np.asarray(lab).ravel() for lab in client_labels]),
    })
    mixes = pd.crosstab(frame["hospital"], frame["label"], normalize="index")
    overall = frame["label"].value_counts(normalize=True).reindex(mixes.columns)
    return (mixes - overall).abs().sum(axis=1).mul(0.5).mean()
"""


# --- fedavgm_round (3 points over two cells) ------------------------------------------------------

# The plain mean of the hospitals' models: a hospital with 10 scans weighs as much as one with 500.
UNWEIGHTED_M = """
def fedavgm_round(current, results, velocity, momentum, server_lr):
    average = [np.mean([params[i] for params, _ in results], axis=0) for i in range(len(current))]
    delta = [a - c for a, c in zip(average, current)]
    velocity = [np.zeros_like(d) for d in delta] if velocity is None else velocity
    velocity = [momentum * v + d for v, d in zip(velocity, delta)]
    return [c + server_lr * v for c, v in zip(current, velocity)], velocity
"""
# An exponential moving average (Adam's first moment), not momentum: the update is (1 - beta) times too small.
EMA_M = """
def fedavgm_round(current, results, velocity, momentum, server_lr):
    total = sum(n for _, n in results)
    average = [sum(n * params[i] for params, n in results) / total for i in range(len(current))]
    delta = [a - c for a, c in zip(average, current)]
    velocity = [np.zeros_like(d) for d in delta] if velocity is None else velocity
    velocity = [momentum * v + (1 - momentum) * d for v, d in zip(velocity, delta)]
    return [c + server_lr * v for c, v in zip(current, velocity)], velocity
"""
# Forgets the server learning rate: right only for server_lr = 1.
NO_LR_M = """
def fedavgm_round(current, results, velocity, momentum, server_lr):
    total = sum(n for _, n in results)
    average = [sum(n * params[i] for params, n in results) / total for i in range(len(current))]
    velocity = velocity or [np.zeros_like(c) for c in current]
    velocity = [momentum * v + (a - c) for v, a, c in zip(velocity, average, current)]
    return [c + v for c, v in zip(current, velocity)], velocity
"""
# The kit's weighted average does the FedAvg part.
KIT_AVG_M = """
from ppml_lab.fl import weighted_average

def fedavgm_round(current, results, velocity, momentum, server_lr):
    average = weighted_average([p for p, _ in results], [n for _, n in results])
    delta = [a - c for a, c in zip(average, current)]
    velocity = [np.zeros_like(d) for d in delta] if velocity is None else velocity
    velocity = [momentum * v + d for v, d in zip(velocity, delta)]
    return [c + server_lr * v for c, v in zip(current, velocity)], velocity
"""
# Correct: every tensor flattened into one vector, np.average with weights, then cut back into shapes.
FLAT_M = """
def fedavgm_round(current, results, velocity, momentum, server_lr):
    shapes = [c.shape for c in current]
    flat = lambda ps: np.concatenate([np.ravel(p) for p in ps])
    w = flat(current)
    avg = np.average(np.stack([flat(p) for p, _ in results]), axis=0, weights=[n for _, n in results])
    v = (0.0 if velocity is None else momentum * flat(velocity)) + (avg - w)
    w = w + server_lr * v
    cuts = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
    unflat = lambda x: [part.reshape(s) for part, s in zip(np.split(x, cuts), shapes)]
    return unflat(w), unflat(v)
"""
# Correct: the deltas of the hospitals averaged (the same as the average minus the global model), in float64.
DELTAS_M = """
def fedavgm_round(current, results, velocity, momentum, server_lr):
    n_total = sum(n for _, n in results)
    new_params, new_velocity = [], []
    for i, c in enumerate(current):
        c = np.asarray(c, dtype=np.float64)
        delta = np.zeros_like(c)
        for params, n in results:
            delta += (n / n_total) * (np.asarray(params[i], dtype=np.float64) - c)
        v = delta if velocity is None else momentum * np.asarray(velocity[i], dtype=np.float64) + delta
        new_velocity.append(v)
        new_params.append(c + server_lr * v)
    return new_params, new_velocity
"""


# --- robust_aggregate (5 points over four cells) --------------------------------------------------

# An even count takes the upper middle value (the element at n // 2 after sorting), not the mean of the two.
UPPER_MEDIAN_R = """
def robust_aggregate(updates, rule, beta=0.2, f=1):
    n = len(updates)
    stacked = [np.stack([np.asarray(u[i], dtype=float) for u in updates]) for i in range(len(updates[0]))]
    if rule == "median":
        return [np.sort(s, axis=0)[n // 2] for s in stacked]
    if rule == "trimmed_mean":
        cut = int(beta * n)
        return [np.sort(s, axis=0)[cut : n - cut].mean(axis=0) for s in stacked]
    flat = np.concatenate([s.reshape(n, -1) for s in stacked], axis=1)
    dist = ((flat[:, None] - flat[None]) ** 2).sum(-1)
    scores = [np.sort(np.delete(dist[i], i))[: n - f - 2].sum() for i in range(n)]
    return [s[int(np.argmin(scores))] for s in stacked]
"""
# Krum over the n - f nearest others (the count of honest hospitals), not n - f - 2.
KRUM_N_MINUS_F_R = """
def robust_aggregate(updates, rule, beta=0.2, f=1):
    n = len(updates)
    stacked = [np.stack([np.asarray(u[i], dtype=float) for u in updates]) for i in range(len(updates[0]))]
    if rule == "median":
        return [np.median(s, axis=0) for s in stacked]
    if rule == "trimmed_mean":
        cut = int(np.floor(beta * n))
        return [np.sort(s, axis=0)[cut : n - cut].mean(axis=0) for s in stacked]
    flat = np.concatenate([s.reshape(n, -1) for s in stacked], axis=1)
    dist = ((flat[:, None] - flat[None]) ** 2).sum(-1)
    scores = [np.sort(np.delete(dist[i], i))[: n - f].sum() for i in range(n)]
    return [s[int(np.argmin(scores))] for s in stacked]
"""
# The trimmed mean rounds beta * n to the nearest integer instead of down.
ROUNDED_TRIM_R = """
def robust_aggregate(updates, rule, beta=0.2, f=1):
    n = len(updates)
    stacked = [np.stack([np.asarray(u[i], dtype=float) for u in updates]) for i in range(len(updates[0]))]
    if rule == "median":
        return [np.median(s, axis=0) for s in stacked]
    if rule == "trimmed_mean":
        cut = int(round(beta * n))
        return [np.sort(s, axis=0)[cut : n - cut].mean(axis=0) for s in stacked]
    flat = np.concatenate([s.reshape(n, -1) for s in stacked], axis=1)
    dist = ((flat[:, None] - flat[None]) ** 2).sum(-1)
    scores = [np.sort(np.delete(dist[i], i))[: n - f - 2].sum() for i in range(n)]
    return [s[int(np.argmin(scores))] for s in stacked]
"""
# The kit's rules, one per name.
DELEGATING_R = """
from ppml_lab.fl import robust_aggregate as _kit_aggregate

def robust_aggregate(updates, rule, beta=0.2, f=1):
    return _kit_aggregate(updates, rule, beta=beta, f=f)
"""
# Correct: plain Python per coordinate (statistics.median), hospitals' models as flat vectors.
PLAIN_R = """
import statistics

def robust_aggregate(updates, rule, beta=0.2, f=1):
    n = len(updates)
    shapes = [np.shape(a) for a in updates[0]]
    flat = [np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in u]).tolist() for u in updates]
    if rule == "krum":
        def sq(a, b):
            return sum((x - y) ** 2 for x, y in zip(a, b))
        scores = [sum(sorted(sq(flat[i], flat[j]) for j in range(n) if j != i)[: n - f - 2]) for i in range(n)]
        best = min(range(n), key=lambda i: (scores[i], i))
        out = flat[best]
    else:
        out = []
        for column in zip(*flat):
            if rule == "median":
                out.append(statistics.median(column))
            else:
                cut = int(beta * n)
                kept = sorted(column)[cut : n - cut]
                out.append(sum(kept) / len(kept))
    pieces, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        pieces.append(np.array(out[start : start + size]).reshape(shape))
        start += size
    return pieces
"""
# Correct: torch, with the median of an even count written as the mean of torch's two middle values.
TORCH_R = """
def robust_aggregate(updates, rule, beta=0.2, f=1):
    n = len(updates)
    out = []
    if rule == "krum":
        flat = torch.stack([torch.cat([torch.as_tensor(np.asarray(a, dtype=np.float64)).reshape(-1) for a in u])
                            for u in updates])
        d = torch.cdist(flat, flat) ** 2
        d.fill_diagonal_(float("inf"))
        scores = torch.sort(d, dim=1).values[:, : n - f - 2].sum(dim=1)
        best = int(np.argmin(scores.numpy()))
        return [np.asarray(a, dtype=float).copy() for a in updates[best]]
    for i in range(len(updates[0])):
        s = torch.sort(torch.stack([torch.as_tensor(np.asarray(u[i], dtype=np.float64)) for u in updates]), dim=0).values
        if rule == "median":
            m = (s[(n - 1) // 2] + s[n // 2]) / 2
        else:
            cut = int(np.floor(beta * n))
            m = s[cut : n - cut].mean(dim=0)
        out.append(m.numpy())
    return out
"""


# --- fedper_aggregate (3 points over two cells) ---------------------------------------------------

# The plain mean of the shared arrays: a hospital with 5 scans weighs as much as one with 200.
UNWEIGHTED_P = """
def fedper_aggregate(client_params, num_examples, personal):
    out = [[np.array(a, dtype=float) for a in p] for p in client_params]
    for i, local in enumerate(personal):
        if not local:
            mean = np.mean([np.asarray(p[i], dtype=float) for p in client_params], axis=0)
            for o in out:
                o[i] = mean.copy()
    return out
"""
# The mask read the wrong way round: the head is averaged and the body stays at home.
INVERTED_P = """
def fedper_aggregate(client_params, num_examples, personal):
    total = sum(num_examples)
    out = []
    for p in client_params:
        row = []
        for i, local in enumerate(personal):
            if local:
                row.append(sum(n * np.asarray(q[i], dtype=float) for q, n in zip(client_params, num_examples)) / total)
            else:
                row.append(np.array(p[i], dtype=float))
        out.append(row)
    return out
"""
# FedAvg on everything, then the personal arrays put back from the first hospital: one head for all.
FIRST_HEAD_P = """
def fedper_aggregate(client_params, num_examples, personal):
    total = sum(num_examples)
    shared = [None if local else sum(n * np.asarray(q[i], dtype=float) for q, n in zip(client_params, num_examples)) / total
              for i, local in enumerate(personal)]
    return [[np.array(client_params[0][i], dtype=float) if local else shared[i].copy() for i, local in enumerate(personal)]
            for _ in client_params]
"""
# The kit's FedPer step.
DELEGATING_P = """
from ppml_lab.fl import fedper_aggregate as _kit_fedper

def fedper_aggregate(client_params, num_examples, personal):
    return _kit_fedper(client_params, num_examples, personal)
"""
# Correct: np.average with weights for each shared array, a copy of each hospital's model otherwise.
AVERAGE_P = """
import copy

def fedper_aggregate(client_params, num_examples, personal):
    out = [copy.deepcopy([np.asarray(a, dtype=float) for a in p]) for p in client_params]
    for i in (i for i, local in enumerate(personal) if not local):
        avg = np.average(np.stack([p[i] for p in client_params]).astype(float), axis=0, weights=num_examples)
        for model in out:
            model[i] = avg.copy()
    return out
"""
# Correct: the weights normalised first, shared arrays accumulated in place (float64), a dict per hospital.
FRACTIONS_P = """
def fedper_aggregate(client_params, num_examples, personal):
    weights = np.asarray(num_examples, dtype=np.float64) / np.sum(num_examples)
    shared = {}
    for i, local in enumerate(personal):
        if local:
            continue
        acc = np.zeros(np.shape(client_params[0][i]))
        for w, p in zip(weights, client_params):
            acc += w * np.asarray(p[i], dtype=np.float64)
        shared[i] = acc
    return [[shared[i].copy() if i in shared else np.asarray(a, dtype=np.float64).copy() for i, a in enumerate(p)]
            for p in client_params]
"""


# --- round_bytes (3 points over two cells) --------------------------------------------------------

# Counts only the upload: the server's model going down to every hospital is forgotten.
UP_ONLY_B = """
def round_bytes(num_params, n_clients, compression="none", k=None):
    per_client = {"none": 4 * num_params, "topk": 8 * (k or 0), "int8": num_params + 4}[compression]
    return per_client * n_clients, 0
"""
# Top-k sends only the values: the receiver could not know where they go.
NO_INDICES_B = """
def round_bytes(num_params, n_clients, compression="none", k=None):
    down = 4 * num_params * n_clients
    if compression == "topk":
        return 4 * k * n_clients, down
    if compression == "int8":
        return (num_params + 4) * n_clients, down
    return 4 * num_params * n_clients, down
"""
# Bits, not bytes, for int8 (8 per coordinate), and the scale forgotten.
INT8_BITS_B = """
def round_bytes(num_params, n_clients, compression="none", k=None):
    down = 4 * num_params * n_clients
    up = {"none": 4 * num_params, "topk": 8 * (k or 0), "int8": 8 * num_params}[compression]
    return up * n_clients, down
"""
# The kit's counter.
DELEGATING_B = """
from ppml_lab.fl import round_bytes as _kit_bytes

def round_bytes(num_params, n_clients, compression="none", k=None):
    return _kit_bytes(num_params, n_clients, compression, k)
"""
# Correct: the sizes read from NumPy dtypes.
DTYPES_B = """
def round_bytes(num_params, n_clients, compression="none", k=None):
    f32, i32, i8 = (np.dtype(t).itemsize for t in ("float32", "int32", "int8"))
    per_client = {"none": lambda: num_params * f32, "topk": lambda: k * (f32 + i32),
                  "int8": lambda: num_params * i8 + f32}[compression]()
    return int(per_client * n_clients), int(num_params * f32 * n_clients)
"""
# Correct: the payloads built once for one hospital and measured (numbers of bytes as NumPy ints).
MEASURED_B = """
def round_bytes(num_params, n_clients, compression="none", k=None):
    model = np.zeros(num_params, dtype=np.float32)
    if compression == "topk":
        payload = np.zeros(k, dtype=np.float32).nbytes + np.zeros(k, dtype=np.int32).nbytes
    elif compression == "int8":
        payload = np.zeros(num_params, dtype=np.int8).nbytes + np.float32(1.0).nbytes
    else:
        payload = model.nbytes
    return np.int64(payload) * n_clients, np.int64(model.nbytes) * n_clients
"""


CELLS = {
    "label_skew_tv": {"test_label_skew_values": 2.0, "test_label_skew_edges": 1.0},
    "proximal_term": {"test_proximal_basics": 1.0, "test_proximal_values": 2.0, "test_proximal_quadratic": 1.0,
                      "test_proximal_gradient": 1.0},
    "fedprox_step": {"test_fedprox_step_first": 1.0, "test_fedprox_step_pull": 1.0, "test_fedprox_training": 2.0},
    "fedavgm_round": {"test_fedavgm_values": 2.0, "test_fedavgm_momentum": 1.0},
    "robust_aggregate": {"test_robust_poisoner": 1.0, "test_robust_median": 1.0, "test_robust_trimmed": 1.0,
                         "test_robust_krum": 2.0},
    "fedper_aggregate": {"test_fedper_shared": 2.0, "test_fedper_personal": 1.0},
    "round_bytes": {"test_bytes_float32": 1.0, "test_bytes_compressed": 2.0},
}
# Eight notebooks in all: the solution, the blank release and six submissions. Every submission fills every
# exercise with one variant (per exercise three wrong answers, one cheat and two other correct answers),
# each with the marks it must earn, cell by cell in the order of CELLS.
SUBMISSIONS = {
    "s1": {
        "round_bytes": (UP_ONLY_B, (0, 0)),
        "fedper_aggregate": (UNWEIGHTED_P, (0, 0)),
        "robust_aggregate": (UPPER_MEDIAN_R, (1, 0, 1, 2)),
        "label_skew_tv": (UNWEIGHTED_S, (0, 0)),
        "proximal_term": (NO_HALF, (1, 0, 1, 0)), "fedprox_step": (NO_PROX_STEP, (1, 0, 0)),
        "fedavgm_round": (UNWEIGHTED_M, (0, 0)),
    },
    "s2": {
        "round_bytes": (NO_INDICES_B, (1, 0)),
        "fedper_aggregate": (INVERTED_P, (0, 0)),
        "robust_aggregate": (KRUM_N_MINUS_F_R, (0, 1, 1, 0)),
        "label_skew_tv": (L1_S, (0, 0)),
        "proximal_term": (UNSQUARED, (1, 0, 0, 0)), "fedprox_step": (CE_RETURNED, (1, 0, 0)),
        "fedavgm_round": (EMA_M, (0, 1)),
    },
    "s3": {
        "round_bytes": (INT8_BITS_B, (1, 0)),
        "fedper_aggregate": (FIRST_HEAD_P, (2, 0)),
        "robust_aggregate": (ROUNDED_TRIM_R, (1, 1, 0, 2)),
        "label_skew_tv": (OWN_CLASSES_S, (0, 0)),
        "proximal_term": (DETACHED, (1, 2, 1, 0)), "fedprox_step": (AFTER_STEP, (0, 0, 0)),
        "fedavgm_round": (NO_LR_M, (0, 0)),
    },
    "s4": {
        "round_bytes": (DELEGATING_B, (0, 0)),
        "fedper_aggregate": (DELEGATING_P, (0, 0)),
        "robust_aggregate": (DELEGATING_R, (0, 0, 0, 0)),
        "label_skew_tv": (REPORT_S, (0, 0)),
        "proximal_term": (DELEGATING_PROX, (0, 0, 0, 0)), "fedprox_step": (DELEGATING_STEP, (0, 0, 0)),
        "fedavgm_round": (KIT_AVG_M, (0, 0)),
    },
    "s5": {
        "round_bytes": (DTYPES_B, (1, 2)),
        "fedper_aggregate": (AVERAGE_P, (2, 1)),
        "robust_aggregate": (PLAIN_R, (1, 1, 1, 2)),
        "label_skew_tv": (COUNTER_S, (2, 1)),
        "proximal_term": (FLAT, (1, 2, 1, 1)), "fedprox_step": (MANUAL_PULL, (1, 1, 2)),
        "fedavgm_round": (FLAT_M, (2, 1)),
    },
    "s6": {
        "round_bytes": (MEASURED_B, (1, 2)),
        "fedper_aggregate": (FRACTIONS_P, (2, 1)),
        "robust_aggregate": (TORCH_R, (1, 1, 1, 2)),
        "label_skew_tv": (CROSSTAB_S, (2, 1)),
        "proximal_term": (NORM_DOUBLE, (1, 2, 1, 1)), "fedprox_step": (AUTOGRAD_NP, (1, 1, 2)),
        "fedavgm_round": (DELTAS_M, (2, 1)),
    },
}
# Cheats: the submission, the function it hands its work to, and the name the message must give.
CHEATS = [
    ("s4", "label_skew_tv", "ppml_lab.fl.skew_report"),
    ("s4", "proximal_term", "ppml_lab.fl.proximal_term"),
    ("s4", "fedprox_step", "TorchClient"),
    ("s4", "fedavgm_round", "ppml_lab.fl.weighted_average"),
    ("s4", "robust_aggregate", "robust_aggregate"),
    ("s4", "fedper_aggregate", "fedper_aggregate"),
    ("s4", "round_bytes", "round_bytes"),
]


TOTAL = sum(sum(cells.values()) for cells in CELLS.values())

# Grading eight notebooks takes several minutes of CPU; on a shared machine the wall clock can be far longer.
SLOW = pytest.mark.timeout(2700)
NBGRADER_TIMEOUT = 2400  # seconds for one nbgrader autograde run


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One nbgrader run over all eight notebooks, shared by the tests below."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS) | {MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for student, rows in SUBMISSIONS.items():
        notebooks[student] = notebook_with_answers(A, {fn: code for fn, (code, _) in rows.items()})
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grading06"), timeout=NBGRADER_TIMEOUT)


@SLOW
def test_solution_earns_full_marks_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert set(solution.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert solution.max_score == TOTAL and solution.score == TOTAL, solution.cells
    assert blank.score == 0 and blank.max_score == TOTAL, blank.cells
    assert MANUAL not in solution.cells and MANUAL not in blank.cells


@SLOW
def test_the_written_answer_waits_for_the_instructor(graded):
    solution = graded["solution"]
    assert solution.manual == {MANUAL: (None, 3.0)} and solution.manual_pending == [MANUAL]
    assert solution.manual_max_score == 3
    for name in ("blank", *SUBMISSIONS):  # left as released: nbgrader's automatic 0, never full marks
        assert graded[name].manual == {MANUAL: (0.0, 3.0)} and graded[name].manual_pending == [], name


@SLOW
def test_wrong_answers_lose_marks_cheats_earn_none_and_other_answers_earn_all(graded):
    assert_marks_per_cell(graded, SUBMISSIONS, CELLS)
    assert_cheats_named(graded, CHEATS, CELLS)
    # every exercise is tried with at least three wrong answers, one cheat and two other correct ones
    for fn, cells in CELLS.items():
        totals = [sum(SUBMISSIONS[s][fn][1]) for s in SUBMISSIONS]
        assert sum(t < sum(cells.values()) for t in totals) >= 4 and totals.count(sum(cells.values())) >= 2, fn


def test_the_exercises_state_what_the_hidden_tests_check():
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "on `model.parameters()` (an iterator" in source
    assert "the tests check your step (its\nobjective and its update) both at the global model and away from it" in source
    assert ("`ppml_lab.fl.proximal_term` (the only function of `ppml_lab` this exercise\n"
            "allows, besides calling the `SmallCNN` you are given)") in source
    # label skew: the pool weighs hospitals by size, and disjoint labels are 0.5, not 1
    assert "1 = disjoint labels" not in source
    assert "**all\nscans pooled**" in source and "hospitals of equal size with disjoint labels give **0.5**, not 1" in source
    # FedAvgM: the rule, the first round, and what momentum is not
    assert "`None` in the first round, meaning zeros" in source and "unequal numbers of\nexamples and $\\eta \\ne 1$" in source
    assert "**Momentum is not robust aggregation.**" in source
    # robust aggregation: the rules the hidden tests apply, and FedAvgM corrected
    assert "that is wrong" in source and "mean of the two middle values" in source
    assert "**rounded down**" in source and "**tie the lowest index** wins" in source
    assert "$n - f - 2$ **nearest\n  other** hospitals" in source
    # FedPer: which layers, unequal hospitals, heads of different shapes
    assert "**weighted by their numbers of examples**" in source and "personal heads of **different shapes**" in source
    # bytes: both directions, indices counted for top-k, one scale per int8 update
    assert "a float32 value **and** an int32 index: $8k$ bytes" in source and "$P + 4$ bytes per hospital" in source
    # the diagnosis is computed over seeds, and the written answer's rubric is shown
    assert "`ddof=1`" in source and "not from one run" in source
    assert "**Written answer (3 points, graded by hand).**" in source
