"""Answers to the attacks lesson's later exercises (TPR at low FPR, LiRA, the audit bound) as learners write them: wrong, cheating, and correct.

Each string is one solution cell. The lesson test packs them into a few submissions graded through
nbgrader and checks the rest in-process against the same references.
"""

# --- tpr_at_fpr (test_tpr_at_fpr: 2 points) -------------------------------------------------------

# A strict comparison: an FPR equal to max_fpr is refused.
STRICT_FPR = """
def tpr_at_fpr(scores, is_member, max_fpr):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    best = 0.0
    for t in np.unique(s):
        accused = s >= t
        if accused[~m].mean() < max_fpr:
            best = max(best, accused[m].mean())
    return float(best)
"""

# The threshold as the (1 - max_fpr) quantile of the non-members' scores: interpolated, and blind to ties.
QUANTILE = """
def tpr_at_fpr(scores, is_member, max_fpr):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    threshold = np.quantile(s[~m], 1 - max_fpr)
    return float((s[m] > threshold).mean())
"""

# One record at a time down the sorted scores: a tie is split, members first.
SPLIT_TIES = """
def tpr_at_fpr(scores, is_member, max_fpr):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    order = np.argsort(-s, kind="stable")
    tp = np.cumsum(m[order]) / m.sum()
    fp = np.cumsum(~m[order]) / (~m).sum()
    ok = fp <= max_fpr
    return float(tp[ok].max()) if ok.any() else 0.0
"""

# The ROC curve interpolated at max_fpr: a point no threshold reaches.
INTERPOLATED = """
def tpr_at_fpr(scores, is_member, max_fpr):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    ts = np.r_[np.inf, np.unique(s)[::-1]]
    tpr = np.array([(s[m] >= t).mean() for t in ts])
    fpr = np.array([(s[~m] >= t).mean() for t in ts])
    return float(np.interp(max_fpr, fpr, tpr))
"""

# scikit-learn's ROC curve.
SKLEARN_TPR = """
from sklearn.metrics import roc_curve as _roc

def tpr_at_fpr(scores, is_member, max_fpr):
    fpr, tpr, _ = _roc(np.asarray(is_member, dtype=bool), np.asarray(scores, dtype=float), drop_intermediate=False)
    return float(tpr[fpr <= max_fpr].max())
"""

# The kit's ROC curve, or the kit's own answer.
KIT_CURVE_TPR = """
def tpr_at_fpr(scores, is_member, max_fpr):
    fpr, tpr, _ = attacks.roc_curve(scores, is_member)
    return float(tpr[fpr <= max_fpr].max())
"""
FORWARD_TPR = """
def tpr_at_fpr(scores, is_member, max_fpr):
    return attacks.tpr_at_fpr(scores, is_member, max_fpr)
"""

# Correct: counts above each distinct score by binary search; returns a NumPy float64.
SEARCHSORTED_TPR = """
def tpr_at_fpr(scores, is_member, max_fpr):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    pos, neg = np.sort(s[m]), np.sort(s[~m])
    t = np.unique(s)
    tpr = (len(pos) - np.searchsorted(pos, t, side="left")) / len(pos)
    fpr = (len(neg) - np.searchsorted(neg, t, side="left")) / len(neg)
    ok = fpr <= max_fpr
    return tpr[ok].max() if ok.any() else np.float64(0.0)
"""

# Correct: plain Python, walking the distinct scores from the top with counters.
WALK_TPR = """
def tpr_at_fpr(scores, is_member, max_fpr):
    pairs = sorted(zip([float(s) for s in scores], [bool(m) for m in is_member]), reverse=True)
    n_pos = sum(1 for _, m in pairs if m)
    n_neg = len(pairs) - n_pos
    tp = fp = 0
    best = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            tp += pairs[j][1]
            fp += not pairs[j][1]
            j += 1
        if fp / n_neg <= max_fpr:
            best = max(best, tp / n_pos)
        i = j
    return best
"""


# --- lira_score (test_lira_score: 3 points) --------------------------------------------------------

# NumPy's default standard deviation (ddof = 0), not the sample one.
DDOF0_LIRA = """
def lira_score(target_phi, shadow_phi, shadow_in):
    phi = np.asarray(target_phi, dtype=float)
    S = np.asarray(shadow_phi, dtype=float)
    inside = np.asarray(shadow_in, dtype=bool)
    out = np.empty(len(phi))
    for i in range(len(phi)):
        a, b = S[inside[:, i], i], S[~inside[:, i], i]
        log_in = -0.5 * ((phi[i] - a.mean()) / a.std()) ** 2 - np.log(a.std())
        log_out = -0.5 * ((phi[i] - b.mean()) / b.std()) ** 2 - np.log(b.std())
        out[i] = log_in - log_out
    return out
"""

# The squared distances only: the normalising log-sigma terms are forgotten.
NO_LOG_SIGMA = """
def lira_score(target_phi, shadow_phi, shadow_in):
    phi = np.asarray(target_phi, dtype=float)
    S = np.asarray(shadow_phi, dtype=float)
    inside = np.asarray(shadow_in, dtype=bool)
    S_in, S_out = np.where(inside, S, np.nan), np.where(inside, np.nan, S)
    z_in = (phi - np.nanmean(S_in, axis=0)) / np.nanstd(S_in, axis=0, ddof=1)
    z_out = (phi - np.nanmean(S_out, axis=0)) / np.nanstd(S_out, axis=0, ddof=1)
    return 0.5 * z_out**2 - 0.5 * z_in**2
"""

# One variance pooled over every record (the kit's choice for few shadows, not the exercise's).
POOLED_LIRA = """
def lira_score(target_phi, shadow_phi, shadow_in):
    phi = np.asarray(target_phi, dtype=float)
    S = np.asarray(shadow_phi, dtype=float)
    inside = np.asarray(shadow_in, dtype=bool)
    S_in, S_out = np.where(inside, S, np.nan), np.where(inside, np.nan, S)
    mu_in, mu_out = np.nanmean(S_in, axis=0), np.nanmean(S_out, axis=0)
    sd_in = np.sqrt(np.nansum((S_in - mu_in) ** 2) / (inside.sum() - S.shape[1]))
    sd_out = np.sqrt(np.nansum((S_out - mu_out) ** 2) / ((~inside).sum() - S.shape[1]))
    return (-0.5 * ((phi - mu_in) / sd_in) ** 2 - np.log(sd_in)) - (-0.5 * ((phi - mu_out) / sd_out) ** 2 - np.log(sd_out))
"""

# The offline score (distance above the OUT Gaussian): a different test.
OFFLINE_LIRA = """
def lira_score(target_phi, shadow_phi, shadow_in):
    phi = np.asarray(target_phi, dtype=float)
    S_out = np.where(np.asarray(shadow_in, dtype=bool), np.nan, np.asarray(shadow_phi, dtype=float))
    return (phi - np.nanmean(S_out, axis=0)) / np.nanstd(S_out, axis=0, ddof=1)
"""

# OUT over IN: large means "non-member".
UPSIDE_DOWN_LIRA = """
from scipy.stats import norm

def lira_score(target_phi, shadow_phi, shadow_in):
    S = np.asarray(shadow_phi, dtype=float)
    inside = np.asarray(shadow_in, dtype=bool)
    S_in, S_out = np.where(inside, S, np.nan), np.where(inside, np.nan, S)
    return (norm.logpdf(target_phi, np.nanmean(S_out, axis=0), np.nanstd(S_out, axis=0, ddof=1))
            - norm.logpdf(target_phi, np.nanmean(S_in, axis=0), np.nanstd(S_in, axis=0, ddof=1)))
"""

# The kit's LiRA with the right options.
KIT_LIRA = """
def lira_score(target_phi, shadow_phi, shadow_in):
    return attacks.lira_scores(target_phi, shadow_phi, shadow_in, online=True, global_variance=False)
"""

# Correct: a loop over records with the standard library's statistics and math.
STATISTICS_LIRA = """
import statistics

def lira_score(target_phi, shadow_phi, shadow_in):
    S = np.asarray(shadow_phi, dtype=float)
    inside = np.asarray(shadow_in, dtype=bool)

    def log_density(x, sample):
        mu, sd = statistics.fmean(sample), statistics.stdev(sample)
        return -0.5 * ((x - mu) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi))

    scores = []
    for i, phi in enumerate(np.asarray(target_phi, dtype=float).tolist()):
        a = S[inside[:, i], i].tolist()
        b = S[~inside[:, i], i].tolist()
        scores.append(log_density(phi, a) - log_density(phi, b))
    return np.array(scores)
"""

# Correct: NaN-masked shadows and scipy's Gaussian log-density.
SCIPY_LIRA = """
from scipy.stats import norm

def lira_score(target_phi, shadow_phi, shadow_in):
    S = np.asarray(shadow_phi, dtype=float)
    inside = np.asarray(shadow_in, dtype=bool)
    phi = np.asarray(target_phi, dtype=float)
    S_in, S_out = np.where(inside, S, np.nan), np.where(inside, np.nan, S)
    return (norm.logpdf(phi, np.nanmean(S_in, axis=0), np.nanstd(S_in, axis=0, ddof=1))
            - norm.logpdf(phi, np.nanmean(S_out, axis=0), np.nanstd(S_out, axis=0, ddof=1)))
"""


# --- audit_epsilon_bound (test_audit_epsilon_bound: 3 points) ---------------------------------------

# The observed rates, with no confidence interval: a lucky run "proves" any epsilon.
POINT_ESTIMATE = """
def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    fnr, fpr = false_negatives / n_with_canary, false_positives / n_without_canary
    best = 0.0
    for a, b in ((fpr, fnr), (fnr, fpr)):
        if 1 - delta - b > 0:
            best = max(best, math.inf if a == 0 else math.log((1 - delta - b) / a))
    return best
"""

# Each limit at 1 - alpha: the two together then hold only at 1 - 2 alpha.
ALPHA_NOT_HALVED = """
from scipy.stats import beta

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    def upper(k, n):
        return 1.0 if k == n else float(beta.ppf(1 - alpha, k + 1, n - k))
    fnr, fpr = upper(false_negatives, n_with_canary), upper(false_positives, n_without_canary)
    best = 0.0
    for a, b in ((fpr, fnr), (fnr, fpr)):
        if 1 - delta - b > 0:
            best = max(best, math.log((1 - delta - b) / a))
    return best
"""

# One side of the test only: a guesser that errs mostly on the canary side proves nothing here.
ONE_SIDED = """
from scipy.stats import beta

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    fnr = 1.0 if false_negatives == n_with_canary else beta.ppf(1 - alpha / 2, false_negatives + 1,
                                                                n_with_canary - false_negatives)
    fpr = 1.0 if false_positives == n_without_canary else beta.ppf(1 - alpha / 2, false_positives + 1,
                                                                   n_without_canary - false_positives)
    return max(0.0, float(np.log(max(1 - delta - fnr, 1e-300) / fpr)))
"""

# The lower Clopper-Pearson limits: optimistic rates, and a zero to divide by.
LOWER_LIMITS = """
from scipy.stats import beta

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    def lower(k, n):
        return 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    fnr, fpr = lower(false_negatives, n_with_canary), lower(false_positives, n_without_canary)
    best = 0.0
    for a, b in ((fpr, fnr), (fnr, fpr)):
        if 1 - delta - b > 0:
            best = max(best, math.log((1 - delta - b) / a))
    return best
"""

# delta forgotten.
NO_DELTA = """
from scipy.stats import beta

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    def upper(k, n):
        return 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    fnr, fpr = upper(false_negatives, n_with_canary), upper(false_positives, n_without_canary)
    return max(0.0, math.log((1 - fnr) / fpr) if fnr < 1 else 0.0, math.log((1 - fpr) / fnr) if fpr < 1 else 0.0)
"""

# The kit's interval.
KIT_CP = """
def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    fnr = attacks.clopper_pearson(false_negatives, n_with_canary, alpha)[1]
    fpr = attacks.clopper_pearson(false_positives, n_without_canary, alpha)[1]
    best = 0.0
    for a, b in ((fpr, fnr), (fnr, fpr)):
        if 1 - delta - b > 0:
            best = max(best, math.log((1 - delta - b) / a))
    return best
"""

# scipy's exact binomial interval.
BINOMTEST_CP = """
from scipy.stats import binomtest

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    fnr = binomtest(false_negatives, n_with_canary).proportion_ci(1 - alpha, method="exact").high
    fpr = binomtest(false_positives, n_without_canary).proportion_ci(1 - alpha, method="exact").high
    best = 0.0
    for a, b in ((fpr, fnr), (fnr, fpr)):
        if 1 - delta - b > 0:
            best = max(best, math.log((1 - delta - b) / a))
    return best
"""

# Correct: the inverse regularised incomplete beta function.
BETAINCINV = """
from scipy.special import betaincinv

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    def upper(k, n):
        return 1.0 if k >= n else float(betaincinv(k + 1, n - k, 1 - alpha / 2))
    fnr, fpr = upper(false_negatives, n_with_canary), upper(false_positives, n_without_canary)
    sides = [math.log((1 - delta - b) / a) for a, b in ((fpr, fnr), (fnr, fpr)) if 1 - delta - b > 0]
    return max([0.0, *sides])
"""

# Correct: both limits at once with beta.isf, NumPy logarithms; returns a NumPy float64.
ISF_NUMPY = """
from scipy import stats

def audit_epsilon_bound(false_negatives, n_with_canary, false_positives, n_without_canary, delta, alpha=0.05):
    k = np.array([false_negatives, false_positives])
    n = np.array([n_with_canary, n_without_canary])
    hi = np.where(k >= n, 1.0, stats.beta.isf(alpha / 2, k + 1, np.maximum(n - k, 1)))
    fnr, fpr = hi
    with np.errstate(divide="ignore", invalid="ignore"):
        sides = np.log(np.array([1 - delta - fnr, 1 - delta - fpr]) / np.array([fpr, fnr]))
    return np.max(np.r_[0.0, sides[np.isfinite(sides)]])
"""
