"""Answers to the two-bank lesson's later exercises as learners write them: wrong, cheating, correct.

Each string is one solution cell. ``test_lesson_04_two_bank_fraud`` packs most of them with its own
answers to the earlier exercises into six submissions graded in one nbgrader run; the last section's
cheats, and the extra wrong ``psi_blind`` answers, run against the graded cells in process.
"""

# --- secure_lr_step: plausible mistakes -----------------------------------------------------------
# Forgets to truncate after the products: the scale grows by 2^16 at every product.
NO_TRUNCATION_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape
    W = [np.broadcast_to(w_i, (n, d)).copy() for w_i in w_shares]
    z = [p.sum(axis=1) for p in beaver_multiply_shares(X_shares, W, triples[0], transport)]
    quarter = local_truncate(z, 2)
    error = [quarter[0] + encode(0.5) - y_shares[0], quarter[1] - y_shares[1]]
    E = [np.broadcast_to(e_i[:, None], (n, d)).copy() for e_i in error]
    gradient = [p.sum(axis=0) for p in beaver_multiply_shares(X_shares, E, triples[1], transport)]
    update = local_truncate([g * encode(learning_rate / n) for g in gradient])
    return [w_shares[i] - update[i] for i in range(2)]
'''
# Truncates w and the error before each product instead of the product after it.
TRUNCATE_FIRST_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape
    W = [np.broadcast_to(w_i, (n, d)).copy() for w_i in local_truncate(w_shares)]
    z = [p.sum(axis=1) for p in beaver_multiply_shares(X_shares, W, triples[0], transport)]
    quarter = local_truncate(z, 2)
    error = local_truncate([quarter[0] + encode(0.5) - y_shares[0], quarter[1] - y_shares[1]])
    E = [np.broadcast_to(e_i[:, None], (n, d)).copy() for e_i in error]
    gradient = [p.sum(axis=0) for p in beaver_multiply_shares(X_shares, E, triples[1], transport)]
    update = local_truncate([g * encode(learning_rate / n) for g in gradient])
    return [w_shares[i] - update[i] for i in range(2)]
'''
# One triple for both products: right numbers, and the openings subtract to w - error.
REUSED_TRIPLE_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape
    t = triples[0]
    W = [np.broadcast_to(w_i, (n, d)).copy() for w_i in w_shares]
    z = local_truncate([p.sum(axis=1) for p in beaver_multiply_shares(X_shares, W, t, transport)])
    quarter = local_truncate(z, 2)
    error = [quarter[0] + encode(0.5) - y_shares[0], quarter[1] - y_shares[1]]
    E = [np.broadcast_to(e_i[:, None], (n, d)).copy() for e_i in error]
    gradient = local_truncate([p.sum(axis=0) for p in beaver_multiply_shares(X_shares, E, t, transport)])
    update = local_truncate([g * encode(learning_rate / n) for g in gradient])
    return [w_shares[i] - update[i] for i in range(2)]
'''
# Both banks add 1/2 in the sigmoid: the error carries 1/2 twice.
BOTH_HALF_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape
    W = [np.broadcast_to(w_i, (n, d)).copy() for w_i in w_shares]
    z = local_truncate([p.sum(axis=1) for p in beaver_multiply_shares(X_shares, W, triples[0], transport)])
    error = [q + encode(0.5) - y_i for q, y_i in zip(local_truncate(z, 2), y_shares)]
    E = [np.broadcast_to(e_i[:, None], (n, d)).copy() for e_i in error]
    gradient = local_truncate([p.sum(axis=0) for p in beaver_multiply_shares(X_shares, E, triples[1], transport)])
    update = local_truncate([g * encode(learning_rate / n) for g in gradient])
    return [w_shares[i] - update[i] for i in range(2)]
'''
# --- secure_lr_step: an insecure protocol ---------------------------------------------------------
# Opens the scores to apply the sigmoid in the clear: right step, and Xw seen by both banks.
OPENS_SCORES_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape
    W = [np.broadcast_to(w_i, (n, d)).copy() for w_i in w_shares]
    z = local_truncate([p.sum(axis=1) for p in beaver_multiply_shares(X_shares, W, triples[0], transport)])
    opened = transport.exchange(z)
    quarter = ((opened[0] + opened[1]).view(np.int64) >> 2).view(np.uint64)  # z / 4, in the clear
    error = [quarter + encode(0.5) - y_shares[0], -y_shares[1]]
    E = [np.broadcast_to(e_i[:, None], (n, d)).copy() for e_i in error]
    gradient = local_truncate([p.sum(axis=0) for p in beaver_multiply_shares(X_shares, E, triples[1], transport)])
    update = local_truncate([g * encode(learning_rate / n) for g in gradient])
    return [w_shares[i] - update[i] for i in range(2)]
'''
# --- secure_lr_step: other correct answers --------------------------------------------------------
# One truncation by f + 2 bits gives z / 4 straight from the product; the mean over rows by a shift
# when n is a power of two is not assumed: lr / n is still a public integer.
FUSED_SHIFT_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape
    prod = beaver_multiply_shares(X_shares, [np.tile(w_i, (n, 1)) for w_i in w_shares], triples[0], transport)
    quarter = local_truncate([p.sum(axis=1) for p in prod], FRAC_BITS + 2)
    half = encode(0.5)
    error = [quarter[0] + half - y_shares[0], quarter[1] - y_shares[1]]
    prod = beaver_multiply_shares(X_shares, [np.repeat(e_i[:, None], d, axis=1) for e_i in error], triples[1], transport)
    gradient = local_truncate([p.sum(axis=0) for p in prod])
    scale = encode(learning_rate / n)
    return [w_i - u for w_i, u in zip(w_shares, local_truncate([g * scale for g in gradient]))]
'''
# Inlines both Beaver products on one transport.exchange each, and truncates as it goes.
INLINE_BEAVER_STEP = '''
def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    n, d = X_shares[0].shape

    def multiply(x, y, t):
        opened = transport.exchange([np.stack([x[i] - t.a[i], y[i] - t.b[i]]) for i in range(2)])
        dd, ee = opened[0] + opened[1]
        return [t.c[i] + dd * t.b[i] + ee * t.a[i] + (dd * ee if i == 0 else 0) for i in range(2)]

    def truncate(v, bits=FRAC_BITS):
        return [v[0] >> np.uint64(bits), -((-v[1]) >> np.uint64(bits))]

    w_rows = [np.ones((n, 1), dtype=np.uint64) * w_i[None, :] for w_i in w_shares]
    z = truncate([p.sum(axis=1) for p in multiply(X_shares, w_rows, triples[0])])
    q = truncate(z, 2)
    err = [q[0] + encode(0.5) - y_shares[0], q[1] - y_shares[1]]
    err_cols = [e_i[:, None] * np.ones((1, d), dtype=np.uint64) for e_i in err]
    g = truncate([p.sum(axis=0) for p in multiply(X_shares, err_cols, triples[1])])
    u = truncate([g_i * encode(learning_rate / n) for g_i in g])
    return [w_shares[0] - u[0], w_shares[1] - u[1]]
'''

# --- secure_lr_step: a cheat -----------------------------------------------------------------------
DELEGATING_STEP = '''
from ppml_lab.smpc import secure_lr_step as _kit_step

def secure_lr_step(X_shares, y_shares, w_shares, triples, transport, learning_rate):
    return _kit_step(X_shares, y_shares, w_shares, triples, transport, learning_rate)
'''

# --- psi_blind and psi_intersection: plausible mistakes ------------------------------------------
# Sends the hashes themselves: the intersection is right, and a dictionary attack reads every set.
# Its psi_blind returns a set ("the order does not matter"): the banks can no longer map values back.
UNBLINDED_PSI = '''
def psi_blind(points, key):
    return {scalar_mult(key, p) for p in points}


def psi_intersection(ids_a, ids_b):
    a_hashes = [hash_to_group(x) for x in ids_a]
    b_hashes = [hash_to_group(x) for x in ids_b]
    theirs = set(b_hashes)
    return sorted(x for x, h in zip(ids_a, a_hashes) if h in theirs), a_hashes, b_hashes
'''
# One key for both banks: the right intersection, visible already in the first round.
ONE_KEY_PSI = '''
def psi_blind(points, key):
    return [scalar_mult(key, p) for p in points]


def psi_intersection(ids_a, ids_b):
    key = random_scalar()
    a_blinded = psi_blind([hash_to_group(x) for x in ids_a], key)
    b_blinded = psi_blind([hash_to_group(x) for x in ids_b], key)
    theirs = set(psi_blind(b_blinded, key))
    return sorted(x for x, v in zip(ids_a, psi_blind(a_blinded, key)) if v in theirs), a_blinded, b_blinded
'''
# Hashes each point again before blinding it: blinding no longer commutes, nothing matches.
REHASHING_PSI = '''
def psi_blind(points, key):
    return [scalar_mult(key, hash_to_group(p.hex())) for p in points]


def psi_intersection(ids_a, ids_b):
    key_a, key_b = random_scalar(), random_scalar()
    a_blinded = psi_blind([hash_to_group(x) for x in ids_a], key_a)
    b_blinded = psi_blind([hash_to_group(x) for x in ids_b], key_b)
    theirs = set(psi_blind(b_blinded, key_a))
    return sorted(x for x, v in zip(ids_a, psi_blind(a_blinded, key_b)) if v in theirs), a_blinded, b_blinded
'''
# Keys from Python's random module: the same keys whenever the generator is seeded the same.
SEEDED_KEY_PSI = '''
import random

from nacl.bindings import crypto_core_ed25519_scalar_reduce


def psi_blind(points, key):
    return [scalar_mult(key, p) for p in points]


def psi_intersection(ids_a, ids_b):
    key_a, key_b = (crypto_core_ed25519_scalar_reduce(random.randbytes(64)) for _ in range(2))
    a_blinded = psi_blind([hash_to_group(x) for x in ids_a], key_a)
    b_blinded = psi_blind([hash_to_group(x) for x in ids_b], key_b)
    theirs = set(psi_blind(b_blinded, key_a))
    return sorted(x for x, v in zip(ids_a, psi_blind(a_blinded, key_b)) if v in theirs), a_blinded, b_blinded
'''
# Compares the singly blinded values, each under a different key: nothing ever matches.
SINGLY_BLINDED_PSI = '''
def psi_blind(points, key):
    return [scalar_mult(key, p) for p in points]


def psi_intersection(ids_a, ids_b):
    key_a, key_b = random_scalar(), random_scalar()
    a_blinded = psi_blind([hash_to_group(x) for x in ids_a], key_a)
    b_blinded = psi_blind([hash_to_group(x) for x in ids_b], key_b)
    theirs = set(b_blinded)
    return sorted(x for x, v in zip(ids_a, a_blinded) if v in theirs), a_blinded, b_blinded
'''
# Sorts the blinded values "to hide the order": they no longer line up with the identifiers.
SORTED_BLIND_PSI = '''
def psi_blind(points, key):
    return sorted(scalar_mult(key, p) for p in points)


def psi_intersection(ids_a, ids_b):
    key_a, key_b = random_scalar(), random_scalar()
    a_blinded = psi_blind([hash_to_group(x) for x in ids_a], key_a)
    b_blinded = psi_blind([hash_to_group(x) for x in ids_b], key_b)
    theirs = set(psi_blind(b_blinded, key_a))
    return sorted(x for x, v in zip(ids_a, psi_blind(a_blinded, key_b)) if v in theirs), a_blinded, b_blinded
'''
# Blinds by adding key · G instead of multiplying by key: it commutes, every value is a group point,
# and anyone who knows P can subtract the difference of two banks' values.
ADDITIVE_BLIND_PSI = '''
from nacl.bindings import crypto_core_ed25519_add, crypto_scalarmult_ed25519_base_noclamp


def psi_blind(points, key):
    return [crypto_core_ed25519_add(p, crypto_scalarmult_ed25519_base_noclamp(key)) for p in points]
'''
# Blinds in reverse order, returned as a list subclass that claims to equal anything it is compared with.
ALWAYS_EQUAL_BLIND_PSI = '''
class _Blinded(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def psi_blind(points, key):
    return _Blinded(scalar_mult(key, p) for p in reversed(list(points)))
'''
# --- psi_blind and psi_intersection: a cheat -------------------------------------------------------
DELEGATING_PSI = '''
from ppml_lab.smpc import private_set_intersection
from ppml_lab.smpc import psi_blind as _kit_blind


def psi_blind(points, key):
    return _kit_blind(points, key)


def psi_intersection(ids_a, ids_b):
    common, _, sent = private_set_intersection(ids_a, ids_b)
    return common, sent["a"][: len(ids_a)], sent["b"][: len(ids_b)]
'''
# --- psi_blind and psi_intersection: other correct answers ----------------------------------------
# Keys straight from secrets, reduced mod the group order; the match through a dictionary.
SECRETS_KEY_PSI = '''
import secrets

from nacl.bindings import crypto_core_ed25519_scalar_reduce


def psi_blind(points, key):
    return list(map(lambda p: scalar_mult(key, p), points))


def psi_intersection(ids_a, ids_b):
    key_a = crypto_core_ed25519_scalar_reduce(secrets.token_bytes(64))
    key_b = crypto_core_ed25519_scalar_reduce(secrets.token_bytes(64))
    a_blinded = psi_blind(map(hash_to_group, ids_a), key_a)
    b_blinded = psi_blind(map(hash_to_group, ids_b), key_b)
    back = dict(zip(psi_blind(a_blinded, key_b), ids_a))
    return sorted(back[v] for v in psi_blind(b_blinded, key_a) if v in back), a_blinded, b_blinded
'''
# Each bank as an object holding its own key; loops instead of comprehensions.
BANK_OBJECTS_PSI = '''
def psi_blind(points, key):
    out = []
    for p in points:
        out.append(scalar_mult(key, p))
    return out


class _Bank:
    def __init__(self, ids):
        self.ids, self._key = list(ids), random_scalar()

    def first_round(self):
        return psi_blind([hash_to_group(x) for x in self.ids], self._key)

    def reblind(self, values):
        return psi_blind(values, self._key)


def psi_intersection(ids_a, ids_b):
    a, b = _Bank(ids_a), _Bank(ids_b)
    a_blinded, b_blinded = a.first_round(), b.first_round()
    mine, theirs = b.reblind(a_blinded), set(a.reblind(b_blinded))
    common = []
    for x, v in zip(a.ids, mine):
        if v in theirs and x not in common:
            common.append(x)
    return sorted(common), a_blinded, b_blinded
'''


# --- more cheats, run by the lesson test against the graded cells in process ----------------------
# Hands the protocol to the kit.
DELEGATING_PROTOCOL = '''
from ppml_lab.smpc import beaver_multiply_shares as _kit_multiply

def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    return _kit_multiply(x_shares, y_shares, triple, transport)
'''
# Sends the masked values for show, but adds up both banks' shares in this process.
LOCAL_RECONSTRUCTION = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    transport.exchange([np.concatenate([(x_shares[i] - triple.a[i]).ravel(), (y_shares[i] - triple.b[i]).ravel()])
                        for i in range(2)])
    z = (x_shares[0] + x_shares[1]) * (y_shares[0] + y_shares[1])
    mask = np.random.default_rng().integers(0, 2**64, z.shape, dtype=np.uint64, endpoint=False)
    return [z - mask, mask]
'''
DELEGATING_TRUNCATE = '''
from ppml_lab.smpc import local_truncate as _kit_truncate

def local_truncate(shares, bits=FRAC_BITS):
    return _kit_truncate(shares, bits)
'''
# The dealer-assisted truncation of the kit, with a dealer and transport of its own.
DEALER_TRUNCATE = '''
from ppml_lab.smpc import Transport, TrustedDealer, truncate

def local_truncate(shares, bits=FRAC_BITS):
    return truncate(list(shares), TrustedDealer(2), Transport(), bits)
'''
# Bank 0 reads bank 1's share: deterministic, exact on small values, and not local.
READS_OTHER_SHARE = '''
def local_truncate(shares, bits=FRAC_BITS):
    x = (shares[0] + shares[1]).view(np.int64) >> bits
    return [x.view(np.uint64) - shares[1], shares[1]]
'''

DELEGATING_SCORES = '''
from ppml_lab.smpc.logistic import batched_scores as _kit_scores

def batched_scores(X, w):
    return _kit_scores(X, w)
'''
