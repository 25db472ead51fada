"""Answers to the encrypted credit-risk lesson's exercises as learners write them: wrong, cheating, correct.

Each string is one solution cell. ``test_lesson_03_encrypted_credit_risk`` packs them into six
submissions (each answers every exercise with one of them) graded in one nbgrader run.
"""

# -- levels_for_scoring --------------------------------------------------------------------------
# Counts one level per polynomial degree instead of the log-depth evaluation.
LINEAR_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + degree
'''
# Rounds the logarithm down: right only when degree + 1 is a power of two.
FLOOR_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + math.floor(math.log2(degree + 1))
'''
# log2 of the degree, not of the number of coefficients: wrong at degree 1 and at powers of two.
LOG_DEGREE_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + math.ceil(math.log2(degree))
'''
# The kit's own depth count.
KIT_DEPTH = '''
from ppml_lab.he import polynomial_levels

def levels_for_scoring(degree):
    return 1 + polynomial_levels(degree)
'''
# ceil(log2(d + 1)) is the number of bits of d.
BITS_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError(f"degree must be at least 1, got {degree}")
    return 1 + int(degree).bit_length()
'''
# Squarings needed until the powers reach the degree, as a NumPy integer.
LOOP_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree must be >= 1")
    levels, reach = 0, 1
    while reach < degree + 1:
        reach *= 2
        levels += 1
    return np.int64(1 + levels)
'''

# -- encrypted_scores ------------------------------------------------------------------------------
# Forgets the bias term of the score.
NO_BIAS = '''
def encrypted_scores(columns, weights, bias):
    total = columns[0] * float(weights[0])
    for col, w in zip(columns[1:], weights[1:]):
        total = total + col * float(w)
    return total
'''
# Adds the bias inside the loop: once per feature.
BIAS_EACH = '''
def encrypted_scores(columns, weights, bias):
    total = None
    for col, w in zip(columns, weights):
        term = col * float(w) + float(bias)
        total = term if total is None else total + term
    return total
'''
# Off by one: the first column gets the second weight.
SHIFTED = '''
def encrypted_scores(columns, weights, bias):
    total = columns[0] * float(weights[-1])
    for col, w in zip(columns[1:], weights[:-1]):
        total = total + col * float(w)
    return total + float(bias)
'''
# Asks the key owner: decrypts the columns, scores in the clear and encrypts the scores afresh.
FRESH_SCORES = '''
def encrypted_scores(columns, weights, bias):
    X = np.column_stack([owner.decrypt(c) for c in columns])
    return owner.encrypt(X @ np.asarray(weights) + bias)
'''
SUM_SCORES = '''
def encrypted_scores(columns, weights, bias):
    return sum(col * float(w) for col, w in zip(columns, weights)) + bias
'''
METHOD_SCORES = '''
def encrypted_scores(columns, weights, bias):
    weights = np.asarray(weights, dtype=np.float64)
    total = columns[0].mul(weights[0])
    for j in range(1, len(columns)):
        total.add_(columns[j].mul(weights[j]))
    return total.add(np.float64(bias))
'''

# -- encrypted_gradient ----------------------------------------------------------------------------
# Sums the error alone: every entry is sum(e), the columns never enter.
ERROR_ONLY = '''
def encrypted_gradient(gradient_columns, error):
    return [error.sum() for _ in gradient_columns]
'''
# Forgets the rotation-sum: slot 0 holds the first applicant's product only.
NO_SUM = '''
def encrypted_gradient(gradient_columns, error):
    return [error * col for col in gradient_columns]
'''
# One ciphertext for everything: sums the products of all features together.
ONE_TOTAL = '''
def encrypted_gradient(gradient_columns, error):
    total = error * gradient_columns[0]
    for col in gradient_columns[1:]:
        total = total + error * col
    return total.sum()
'''
# Decrypts with the key owner's secret key, computes in the clear and encrypts the answer afresh.
DECRYPTING_GRADIENT = '''
def encrypted_gradient(gradient_columns, error):
    secret = owner._context.secret_key()
    e = np.array(error.decrypt(secret))
    return [ts.ckks_vector(owner._context, [float(np.array(col.decrypt(secret)) @ e)]) for col in gradient_columns]
'''
DOT_GRADIENT = '''
def encrypted_gradient(gradient_columns, error):
    return [error.dot(col) for col in gradient_columns]
'''
INPLACE_GRADIENT = '''
def encrypted_gradient(gradient_columns, error):
    out = []
    for col in gradient_columns:
        product = col * error
        product.sum_()
        out.append(product)
    return tuple(out)
'''

# -- rotate_and_sum -----------------------------------------------------------------------------------
# Rotates by 1, 2, ..., n - 1 slots: the right sum, with n - 1 rotations instead of ceil(log2 n).
LINEAR_ROTATIONS = '''
def rotate_and_sum(vector, n):
    if not 1 <= n <= vector.size():
        raise ValueError("n")
    total = vector
    for k in range(1, n):
        total = total + rotate(vector, k)
    return total
'''
# Rotates the wrong way (to the right): slot 0 collects the zeros at the end of the vector.
RIGHT_SHIFTS = '''
def rotate_and_sum(vector, n):
    if not 1 <= n <= vector.size():
        raise ValueError("n")
    total, step = vector, 1
    while step < n:
        total = total + rotate(total, -step)
        step *= 2
    return total
'''
# floor(log2 n) rounds: right for powers of two, misses the last slots otherwise.
FLOOR_ROUNDS = '''
def rotate_and_sum(vector, n):
    if not 1 <= n <= vector.size():
        raise ValueError("n")
    total = vector
    for r in range(int(math.log2(n))):
        total = total + rotate(total, 2**r)
    return total
'''
# TenSEAL's own slot sum: it does the rotations for the learner.
TENSEAL_SUM = '''
def rotate_and_sum(vector, n):
    if not 1 <= n <= vector.size():
        raise ValueError("n")
    return vector.sum()
'''
# The rounds from the bit length of n - 1, shifts from the largest down (the order does not matter).
HALVING_ROTATIONS = '''
def rotate_and_sum(vector, n):
    if n < 1 or n > vector.size():
        raise ValueError(f"n must be in 1..{vector.size()}, got {n}")
    rounds = (n - 1).bit_length()
    total = vector
    for r in reversed(range(rounds)):
        total = total + rotate(total, 1 << r)
    return total
'''
# Recursive: fold once, then fold the result with twice the shift.
RECURSIVE_ROTATIONS = '''
def rotate_and_sum(vector, n, _step=1):
    if _step == 1 and not 1 <= n <= vector.size():
        raise ValueError("n out of range")
    if _step >= n:
        return vector
    return rotate_and_sum(vector + rotate(vector, _step), n, _step * 2)
'''

# -- precision_bits_left ---------------------------------------------------------------------------
# Drops the first intermediate primes instead of the last ones.
FIRST_PRIMES = '''
def precision_bits_left(primes, scale_bits, levels):
    middle = list(primes[1:-1])
    if not 0 <= levels <= len(middle):
        raise ValueError("levels")
    if levels == 0:
        return math.inf
    return -math.log2(abs(math.prod(2.0**scale_bits / q for q in middle[:levels]) - 1))
'''
# Counts the special prime as the first one dropped.
WITH_SPECIAL = '''
def precision_bits_left(primes, scale_bits, levels):
    if not 0 <= levels <= len(primes) - 2:
        raise ValueError("levels")
    if levels == 0:
        return math.inf
    return -math.log2(abs(math.prod(2.0**scale_bits / q for q in primes[::-1][:levels]) - 1))
'''
# First-order approximation: adds the deviations instead of multiplying the factors.
SUMMED_DEVIATIONS = '''
def precision_bits_left(primes, scale_bits, levels):
    middle = list(primes[1:-1])
    if not 0 <= levels <= len(middle):
        raise ValueError("levels")
    if levels == 0:
        return math.inf
    return -math.log2(abs(sum(2.0**scale_bits / q - 1 for q in middle[::-1][:levels])))
'''
# The kit's scale drift, called on a stand-in for CKKSParameters.
KIT_PRECISION = '''
from types import SimpleNamespace

from ppml_lab.he import CKKSParameters

def precision_bits_left(primes, scale_bits, levels):
    stand_in = SimpleNamespace(primes=tuple(primes), scale_bits=scale_bits, depth=len(primes) - 2)
    drift = CKKSParameters.scale_drift(stand_in, levels)
    return math.inf if levels == 0 else -math.log2(abs(drift - 1))
'''
# Exact rational arithmetic, then a float at the end.
FRACTION_PRECISION = '''
from fractions import Fraction

def precision_bits_left(primes, scale_bits, levels):
    dropped = list(reversed(primes[1:-1]))
    if levels < 0 or levels > len(dropped):
        raise ValueError(f"levels must be in [0, {len(dropped)}]")
    factor = Fraction(1)
    for q in dropped[:levels]:
        factor *= Fraction(2**scale_bits, q)
    return math.inf if factor == 1 else -math.log2(abs(float(factor - 1)))
'''
# Logarithms with NumPy: a NumPy float comes back.
LOG_PRECISION = '''
def precision_bits_left(primes, scale_bits, levels):
    middle = np.array(primes[1:-1], dtype=float)
    if levels < 0 or levels > len(middle):
        raise ValueError("levels out of range")
    if levels == 0:
        return np.float64(np.inf)
    log_factor = np.sum(scale_bits * np.log(2.0) - np.log(middle[len(middle) - levels:]))
    return -np.log2(np.abs(np.expm1(log_factor)))
'''

# -- pack_block -------------------------------------------------------------------------------------
# Row-major: the applicants' rows one after the other.
ROW_MAJOR = '''
def pack_block(X, block_rows, slots):
    X = np.asarray(X, dtype=float)
    if X.shape[0] > block_rows or X.shape[1] > slots // block_rows:
        raise ValueError("X does not fit")
    out = np.zeros(slots)
    groups = slots // block_rows
    for r in range(X.shape[0]):
        out[r * groups : r * groups + X.shape[1]] = X[r]
    return out
'''
# Column after column without padding each feature to block_rows slots.
NO_PADDING = '''
def pack_block(X, block_rows, slots):
    X = np.asarray(X, dtype=float)
    if X.shape[0] > block_rows or X.shape[1] > slots // block_rows:
        raise ValueError("X does not fit")
    flat = X.T.ravel()
    return np.concatenate([flat, np.zeros(slots - len(flat))])
'''
# Right layout, but no check that X fits: a block too large is silently cut.
NO_CHECK_PACK = '''
def pack_block(X, block_rows, slots):
    X = np.asarray(X, dtype=float)[:block_rows, : slots // block_rows]
    out = np.zeros(slots)
    for f in range(X.shape[1]):
        out[f * block_rows : f * block_rows + X.shape[0]] = X[:, f]
    return out
'''
KIT_PACK = '''
from ppml_lab.he.packing import PackedLayout

def pack_block(X, block_rows, slots):
    X = np.asarray(X, dtype=float)
    return PackedLayout(X.shape[0], X.shape[1], slots, block_rows).pack_matrix(X)[0][0]
'''
LOOP_PACK = '''
def pack_block(X, block_rows, slots):
    rows, cols = len(X), len(X[0])
    if rows > block_rows or cols * block_rows > slots:
        raise ValueError(f"block of {rows} x {cols} does not fit")
    out = [0.0] * slots
    for r in range(rows):
        for f in range(cols):
            out[f * block_rows + r] = float(X[r][f])
    return out
'''
PAD_PACK = '''
def pack_block(X, block_rows, slots):
    X = np.asarray(X, dtype=float)
    groups = slots // block_rows
    if X.shape[0] > block_rows or X.shape[1] > groups:
        raise ValueError("X does not fit one block")
    padded = np.pad(X, ((0, block_rows - X.shape[0]), (0, groups - X.shape[1])))
    return padded.T.reshape(-1)
'''

# -- encrypted_total_and_mean ---------------------------------------------------------------------------
# Starts from the first ciphertext and then adds all of them: the first counts twice.
DOUBLE_FIRST = '''
def encrypted_total_and_mean(ciphertexts):
    if not ciphertexts:
        raise ValueError("empty")
    total = ciphertexts[0]
    for c in ciphertexts:
        total = total + c
    return total, total * (1.0 / len(ciphertexts))
'''
# The sample-variance habit: divides by n - 1.
N_MINUS_ONE = '''
def encrypted_total_and_mean(ciphertexts):
    if not ciphertexts:
        raise ValueError("empty")
    total = ciphertexts[0]
    for c in ciphertexts[1:]:
        total = total + c
    return total, total * (1.0 / max(len(ciphertexts) - 1, 1))
'''
# Multiplies by n where it should divide.
TIMES_N = '''
def encrypted_total_and_mean(ciphertexts):
    if not ciphertexts:
        raise ValueError("empty")
    total = sum(ciphertexts[1:], ciphertexts[0])
    return total, total * len(ciphertexts)
'''
# Decrypts with the bank's private key and encrypts the answers afresh.
DECRYPTING_PAILLIER = '''
def encrypted_total_and_mean(ciphertexts):
    if not ciphertexts:
        raise ValueError("empty")
    values = [bank._private_key.decrypt(c) for c in ciphertexts]
    pk = ciphertexts[0].public_key
    return pk.encrypt(sum(values)), pk.encrypt(sum(values) / len(values))
'''
REDUCE_PAILLIER = '''
import functools
import operator

def encrypted_total_and_mean(ciphertexts):
    if len(ciphertexts) == 0:
        raise ValueError("need at least one ciphertext")
    total = functools.reduce(operator.add, ciphertexts)
    return (total, total / len(ciphertexts))
'''
ZERO_START_PAILLIER = '''
def encrypted_total_and_mean(ciphertexts):
    ciphertexts = list(ciphertexts)
    if not ciphertexts:
        raise ValueError("ciphertexts is empty")
    total = ciphertexts[0].public_key.encrypt(0)  # E(0): the public key encrypts
    for c in ciphertexts:
        total += c
    return [total, total * (1 / len(ciphertexts))]
'''
