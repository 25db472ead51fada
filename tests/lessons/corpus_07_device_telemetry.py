"""Answers to the telemetry lesson's OUE, 1BitMean and distributed-DP exercises as learners write them:
wrong, cheating and correct. Each string is one solution cell; the lesson test packs them into the same
six submissions as the k-RR answers.
"""

# --- oue_privatize (test_oue_privatize, test_oue_distribution: 1 point each) ----------------------
# Symmetric unary encoding (basic RAPPOR): p = e^(eps/2) / (e^(eps/2) + 1), q = 1 - p.
SUE_P = '''
def oue_privatize(values, epsilon, d, rng):
    values = np.asarray(values)
    onehot = np.eye(d, dtype=bool)[values]
    p = math.exp(epsilon / 2) / (math.exp(epsilon / 2) + 1)
    u = rng.random(onehot.shape)
    return np.where(onehot, u < p, u < 1 - p).astype(np.int64)
'''
# One uniform per device for all its bits: every bit has the right rate, but the bits move together.
SHARED_UNIFORM_P = '''
def oue_privatize(values, epsilon, d, rng):
    values = np.asarray(values)
    onehot = np.zeros((len(values), d), dtype=bool)
    onehot[np.arange(len(values)), values] = True
    u = rng.random((len(values), 1))  # one draw per device
    return np.where(onehot, u < 0.5, u < 1 / (math.exp(epsilon) + 1))
'''
# A generator of its own with a fixed seed: the right distribution, but the rng argument is ignored.
OWN_SEED_P = '''
def oue_privatize(values, epsilon, d, rng):
    values = np.asarray(values)
    onehot = np.zeros((len(values), d), dtype=bool)
    onehot[np.arange(len(values)), values] = True
    u = np.random.default_rng(7).random(onehot.shape)
    return np.where(onehot, u < 0.5, u < 1 / (math.exp(epsilon) + 1))
'''
# Hands the reports to the kit's OUE oracle.
DELEGATING_OUE_P = '''
from ppml_lab.dp.local import OptimizedUnaryEncoding

def oue_privatize(values, epsilon, d, rng):
    return OptimizedUnaryEncoding(epsilon, d).privatize(values, rng=rng)
'''
# Correct: a loop over devices, one row of uniforms each, a list of lists of ints.
LOOP_OUE_P = '''
def oue_privatize(values, epsilon, d, rng):
    q = 1 / (math.exp(epsilon) + 1)
    rows = []
    for v in values:
        u = rng.random(d)
        probs = np.full(d, q)
        probs[int(v)] = 0.5
        rows.append([int(b) for b in u < probs])
    return np.array(rows)
'''
# Correct: rng.binomial on a matrix of probabilities, int8 bits.
BINOMIAL_OUE_P = '''
def oue_privatize(values, epsilon, d, rng):
    probs = np.full((len(values), d), 1 / (np.exp(epsilon) + 1))
    probs[np.arange(len(values)), np.asarray(values)] = 0.5
    return rng.binomial(1, probs).astype(np.int8)
'''

# --- oue_estimate (test_oue_estimate: 1 point) ---------------------------------------------------
# Forgets to subtract n q: the rates divided by p - q.
NO_NQ_E = '''
def oue_estimate(reports, epsilon):
    r = np.asarray(reports, dtype=float)
    q = 1 / (math.exp(epsilon) + 1)
    return r.mean(axis=0) / (0.5 - q)
'''
# Divides by p instead of p - q.
DIVIDE_P_E = '''
def oue_estimate(reports, epsilon):
    r = np.asarray(reports, dtype=float)
    q = 1 / (math.exp(epsilon) + 1)
    return (r.mean(axis=0) - q) / 0.5
'''
# The symmetric (RAPPOR) parameters in the estimator.
SUE_E = '''
def oue_estimate(reports, epsilon):
    r = np.asarray(reports, dtype=float)
    p = math.exp(epsilon / 2) / (math.exp(epsilon / 2) + 1)
    q = 1 - p
    return (r.mean(axis=0) - q) / (p - q)
'''
# Hands the estimate to the kit's OUE oracle.
DELEGATING_OUE_E = '''
from ppml_lab.dp.local import OptimizedUnaryEncoding

def oue_estimate(reports, epsilon):
    r = np.asarray(reports)
    return OptimizedUnaryEncoding(epsilon, r.shape[1]).estimate(r)
'''
# Correct: the estimate rewritten as 2 (f (e^eps + 1) - 1) / (e^eps - 1).
CLOSED_OUE_E = '''
def oue_estimate(reports, epsilon):
    f = np.mean(np.asarray(reports), axis=0)
    e = math.exp(epsilon)
    return 2 * (f * (e + 1) - 1) / (e - 1)
'''
# Correct: counts column by column with Python ints, a list of floats.
LOOP_OUE_E = '''
def oue_estimate(reports, epsilon):
    rows = [list(r) for r in reports]
    n, d = len(rows), len(rows[0])
    p, q = 0.5, 1 / (math.exp(epsilon) + 1)
    out = []
    for v in range(d):
        c = sum(int(r[v]) for r in rows)
        out.append((c - n * q) / (n * (p - q)))
    return out
'''

# --- onebit_privatize (test_onebit_privatize, test_onebit_distribution: 1 point each) -------------
# Forgets to divide by m: any counter above 1 always sends 1.
NO_M_P = '''
def onebit_privatize(values, epsilon, m, rng):
    x = np.asarray(values, dtype=float)
    e = math.exp(epsilon)
    return (rng.random(x.shape) < 1 / (e + 1) + x * (e - 1) / (e + 1)).astype(int)
'''
# Randomized response at eps / 2 (dBitFlip's rate): less noise-free signal than the budget allows.
HALF_EPS_P = '''
def onebit_privatize(values, epsilon, m, rng):
    x = np.asarray(values, dtype=float)
    e = math.exp(epsilon / 2)
    return (rng.random(x.shape) < 1 / (e + 1) + x / m * (e - 1) / (e + 1)).astype(np.int64)
'''
# NumPy's global generator, seeded once: the right distribution, but the rng argument is ignored.
GLOBAL_SEED_P = '''
def onebit_privatize(values, epsilon, m, rng):
    np.random.seed(0)
    x = np.asarray(values, dtype=float)
    e = math.exp(epsilon)
    return (np.random.random(x.shape) < 1 / (e + 1) + x / m * (e - 1) / (e + 1)).astype(np.int64)
'''
# Hands the bits to the kit's 1BitMean.
DELEGATING_1B_P = '''
from ppml_lab.dp.local import OneBitMean

def onebit_privatize(values, epsilon, m, rng):
    return OneBitMean(epsilon, m).privatize(values, rng=rng)
'''
# Correct: a loop with one rng.random() per device.
LOOP_1B_P = '''
def onebit_privatize(values, epsilon, m, rng):
    e = math.exp(epsilon)
    bits = []
    for x in values:
        p = (1 + float(x) / m * (e - 1)) / (e + 1)
        bits.append(1 if rng.random() < p else 0)
    return np.array(bits, dtype=np.int32)
'''
# Correct: rng.binomial with per-device probabilities.
BINOMIAL_1B_P = '''
def onebit_privatize(values, epsilon, m, rng):
    e = np.exp(epsilon)
    p = (1 + np.asarray(values) / m * (e - 1)) / (e + 1)
    return rng.binomial(1, p)
'''

# --- onebit_estimate (test_onebit_estimate: 1 point) ---------------------------------------------
# Forgets the - 1: every estimate shifted up by m / (e^eps - 1).
NO_MINUS_ONE_E = '''
def onebit_estimate(bits, epsilon, m):
    e = math.exp(epsilon)
    return float(m * np.mean(np.asarray(bits) * (e + 1) / (e - 1)))
'''
# Forgets the factor m: the mean as a fraction of the range.
NO_M_E = '''
def onebit_estimate(bits, epsilon, m):
    e = math.exp(epsilon)
    return float(np.mean((np.asarray(bits) * (e + 1) - 1) / (e - 1)))
'''
# The raw share of ones times m, not debiased.
RAW_MEAN_E = '''
def onebit_estimate(bits, epsilon, m):
    return float(m * np.mean(bits))
'''
# Hands the estimate to the kit's 1BitMean.
DELEGATING_1B_E = '''
from ppml_lab.dp.local import OneBitMean

def onebit_estimate(bits, epsilon, m):
    return OneBitMean(epsilon, m).estimate(bits)
'''
# Correct: debias the share of ones once, m ((e^eps + 1) mean(b) - 1) / (e^eps - 1).
CLOSED_1B_E = '''
def onebit_estimate(bits, epsilon, m):
    e = np.exp(epsilon)
    return m * ((e + 1) * np.mean(bits) - 1) / (e - 1)
'''
# Correct: a Python loop over the bits.
LOOP_1B_E = '''
def onebit_estimate(bits, epsilon, m):
    e = math.exp(epsilon)
    total = 0.0
    for b in bits:
        total += (int(b) * (e + 1) - 1) / (e - 1)
    return m * total / len(bits)
'''

# --- ddp_share (test_ddp_share, test_ddp_sum: 1 point each) ---------------------------------------
# Every device adds the whole variance sigma^2: the sum carries n sigma^2.
FULL_VARIANCE_S = '''
from ppml_lab.dp import sample_discrete_gaussian

def ddp_share(quantized, sigma_sq, n_devices, bits):
    q = np.asarray(quantized, dtype=np.int64)
    return (q + sample_discrete_gaussian(sigma_sq, size=len(q))) % 2**bits
'''
# Splits the standard deviation instead of the variance: sigma / n per device, variance sigma^2 / n^2.
SPLIT_STD_S = '''
from ppml_lab.dp import sample_discrete_gaussian

def ddp_share(quantized, sigma_sq, n_devices, bits):
    q = np.asarray(quantized, dtype=np.int64)
    sigma = math.sqrt(sigma_sq) / n_devices
    return (q + sample_discrete_gaussian(sigma**2, size=len(q))) % 2**bits
'''
# Right noise, never reduced modulo 2^bits: negative or too large entries leave the ring.
NO_MODULUS_S = '''
from ppml_lab.dp import sample_discrete_gaussian

def ddp_share(quantized, sigma_sq, n_devices, bits):
    q = np.asarray(quantized, dtype=np.int64)
    return q + sample_discrete_gaussian(sigma_sq / n_devices, size=len(q))
'''
# Hands the share to the kit's distributed-DP noise.
DELEGATING_S = '''
from ppml_lab.secagg import add_distributed_noise

def ddp_share(quantized, sigma_sq, n_devices, bits):
    return add_distributed_noise(quantized, sigma_sq / n_devices, bits)
'''
# Correct: one exact draw per coordinate at a Fraction variance, Python ints modulo 2^bits.
LOOP_S = '''
from fractions import Fraction
from ppml_lab.dp import sample_discrete_gaussian

def ddp_share(quantized, sigma_sq, n_devices, bits):
    var = Fraction(sigma_sq) / n_devices
    return np.array([(int(x) + sample_discrete_gaussian(var)) % (1 << bits) for x in quantized], dtype=np.uint64)
'''
# Correct: a sampler of its own, the discrete Gaussian's probabilities on +-14 std, OS-seeded.
OWN_SAMPLER_S = '''
import secrets

def ddp_share(quantized, sigma_sq, n_devices, bits):
    var = sigma_sq / n_devices
    k = int(14 * math.sqrt(var)) + 2
    support = np.arange(-k, k + 1)
    w = np.exp(-support.astype(float) ** 2 / (2 * var))
    gen = np.random.default_rng(secrets.randbits(128))
    noise = gen.choice(support, size=len(quantized), p=w / w.sum())
    mask = np.uint64((1 << bits) - 1)
    return (np.asarray(quantized, dtype=np.uint64) + noise.astype(np.int64).astype(np.uint64)) & mask
'''

# --- ddp_decode (test_ddp_decode: 1 point) --------------------------------------------------------
# Reads the residues as unsigned: a negative sum decodes near 2^bits.
UNSIGNED_D = '''
def ddp_decode(total, levels, clip, bits):
    return np.asarray(total, dtype=float) / levels * clip
'''
# Divides by clip instead of multiplying: right only when clip = 1.
DIVIDE_CLIP_D = '''
def ddp_decode(total, levels, clip, bits):
    t = np.asarray(total, dtype=np.int64)
    t = np.where(t >= 2 ** (bits - 1), t - 2**bits, t)
    return t / levels / clip
'''
# Off by one at the boundary: -2^(bits-1) decodes as +2^(bits-1).
OFF_BY_ONE_D = '''
def ddp_decode(total, levels, clip, bits):
    t = np.asarray(total, dtype=np.int64)
    t = np.where(t > 2 ** (bits - 1), t - 2**bits, t)
    return t * clip / levels
'''
# Hands the decoding to the kit's ring decoder.
DELEGATING_D = '''
from ppml_lab.secagg import decode_signed

def ddp_decode(total, levels, clip, bits):
    return decode_signed(total, bits) / levels * clip
'''
# Correct: Python ints, one coordinate at a time.
LOOP_D = '''
def ddp_decode(total, levels, clip, bits):
    out = []
    for t in total:
        t = int(t) % (1 << bits)
        if t >= 1 << (bits - 1):
            t -= 1 << bits
        out.append(t / levels * clip)
    return np.array(out)
'''
# Correct: a shift into the top bits and an arithmetic shift back (two's complement sign extension).
SHIFT_D = '''
def ddp_decode(total, levels, clip, bits):
    t = np.asarray(total, dtype=np.uint64) << np.uint64(64 - bits)
    return (t.view(np.int64) >> (64 - bits)).astype(np.float64) / levels * clip
'''
