"""Answers to the anonymization lesson's median-cut and re-identification exercises as learners write
them: wrong, cheating, and correct. Each string is one solution cell; the lesson test packs them into
its submissions, one variant of every exercise per submission, graded in one nbgrader run.
"""
# -- reidentify: plausible mistakes ---------------------------------------------------------------
# Counts fitting classes, not rows: identical released rows are taken for one match.
CLASS_MATCH_R = """
def reidentify(release, register, quasi_identifiers):
    def fits(label, value, numeric):
        label = str(label)
        if label.startswith("{") and label.endswith("}"):
            return str(value) in label[1:-1].split(",")
        if numeric:
            lo, _, hi = label.partition("-")
            return float(lo) <= value <= float(hi or lo)
        return label == str(value)

    classes = release.drop_duplicates(subset=list(quasi_identifiers))  # one row per equivalence class
    found = {}
    for _, person in register.iterrows():
        rows = [i for i, row in classes.iterrows()
                if all(fits(row[q], person[q], pd.api.types.is_numeric_dtype(register[q]))
                       for q in quasi_identifiers)]
        if len(rows) == 1:
            found[person["name"]] = rows[0]
    return found
"""
# A plain join on the labels: a generalised label never equals an exact value.
EXACT_JOIN_R = """
def reidentify(release, register, quasi_identifiers):
    qis = list(quasi_identifiers)
    people = register[["name"] + qis].astype(str)
    rows = release[qis].astype(str).rename_axis("row").reset_index()
    joined = people.merge(rows, on=qis)
    per_person = joined.groupby("name")["row"].agg(["size", "first"])
    return dict(per_person.loc[per_person["size"] == 1, "first"])
"""
# Reads "30-39" like range(30, 39): the top of every band is left out.
OPEN_RANGE_R = """
def reidentify(release, register, quasi_identifiers):
    def fits(label, value, numeric):
        label = str(label)
        if label.startswith("{") and label.endswith("}"):
            return str(value) in label[1:-1].split(",")
        if numeric and "-" in label:
            lo, hi = label.split("-")
            return float(lo) <= value < float(hi)
        if numeric:
            return float(label) == value
        return label == str(value)

    rows = list(release[list(quasi_identifiers)].itertuples(name=None))
    found = {}
    for name, *values in register[["name"] + list(quasi_identifiers)].itertuples(index=False, name=None):
        numeric = [pd.api.types.is_numeric_dtype(register[q]) for q in quasi_identifiers]
        hits = [r[0] for r in rows if all(fits(lab, v, n) for lab, v, n in zip(r[1:], values, numeric))]
        if len(hits) == 1:
            found[name] = hits[0]
    return found
"""
# -- reidentify: cheat (the kit's own label reader) --------------------------------------------------
KIT_READER_R = """
from ppml_lab.anonymity.linkage import _compatible

def reidentify(release, register, quasi_identifiers):
    fit = np.ones((len(register), len(release)), dtype=bool)
    for q in quasi_identifiers:
        numeric = pd.api.types.is_numeric_dtype(register[q])
        values = register[q].to_numpy(dtype=float) if numeric else register[q].astype(str).to_numpy()
        for j, label in enumerate(release[q]):
            fit[:, j] &= _compatible(label, values, numeric)
    unique = np.flatnonzero(fit.sum(axis=1) == 1)
    return {register["name"].iloc[i]: release.index[fit[i].argmax()] for i in unique}
"""
# -- reidentify: other correct answers ----------------------------------------------------------------
LOOP_R = """
def reidentify(release, register, quasi_identifiers):
    def fits(label, value, numeric):
        label = str(label)
        if label.startswith("{") and label.endswith("}"):
            return str(value) in label[1:-1].split(",")
        if numeric and "-" in label:
            lo, hi = label.split("-")
            return float(lo) <= value <= float(hi)
        if numeric:
            return float(label) == value
        return label == str(value)

    numeric = [pd.api.types.is_numeric_dtype(register[q]) for q in quasi_identifiers]
    rows = list(release[list(quasi_identifiers)].itertuples(name=None))
    found = {}
    for name, *values in register[["name"] + list(quasi_identifiers)].itertuples(index=False, name=None):
        hits = [r[0] for r in rows if all(fits(lab, v, n) for lab, v, n in zip(r[1:], values, numeric))]
        if len(hits) == 1:
            found[name] = hits[0]
    return found
"""
# Every (person, row) pair at once with a cross join, the labels parsed column by column.
CROSS_JOIN_R = """
def reidentify(release, register, quasi_identifiers):
    qis = list(quasi_identifiers)
    if release.empty or register.empty:
        return {}
    rows = release[qis].astype(str).add_suffix("_label").rename_axis("row").reset_index()
    pairs = register[["name"] + qis].merge(rows, how="cross")
    ok = np.ones(len(pairs), dtype=bool)
    for q in qis:
        label, value = pairs[q + "_label"], pairs[q]
        braces = label.str.startswith("{") & label.str.endswith("}")
        in_set = np.array([str(v) in lab[1:-1].split(",") for lab, v in zip(label, value)])
        if pd.api.types.is_numeric_dtype(register[q]):
            ends = label.where(~braces, "nan").str.split("-", n=1, expand=True).reindex(columns=[0, 1])
            lo = ends[0].astype(float)
            hi = ends[1].fillna(ends[0]).astype(float)
            plain = ((lo <= value) & (value <= hi)).to_numpy()
        else:
            plain = (label == value.astype(str)).to_numpy()
        ok &= np.where(braces.to_numpy(), in_set, plain)
    per_person = pairs[ok].groupby("name")["row"].agg(["size", "first"])
    return dict(per_person.loc[per_person["size"] == 1, "first"])
"""

# -- median_cut: plausible mistakes -----------------------------------------------------------------
# The raw range: euros always look wider than years.
RAW_RANGE_C = """
def median_cut(partition, quasi_identifiers, k, domain):
    if len(partition) == 0:
        return None
    width = {q: partition[q].max() - partition[q].min() for q in quasi_identifiers}
    for q in sorted(quasi_identifiers, key=lambda q: -width[q]):
        if width[q] == 0:
            continue
        values = partition[q].to_numpy(dtype=float)
        median = np.median(values)
        left = values < median if median == values.max() else values <= median
        if left.sum() >= k and (~left).sum() >= k:
            return partition[left], partition[~left]
    return None
"""
# Cuts at the mean: one large income drags the cut, and the halves are no longer balanced.
MEAN_C = """
def median_cut(partition, quasi_identifiers, k, domain):
    if len(partition) == 0:
        return None
    width = {q: (partition[q].max() - partition[q].min()) / domain[q] for q in quasi_identifiers}
    for q in sorted(quasi_identifiers, key=lambda q: -width[q]):
        if width[q] == 0:
            continue
        left = partition[q] <= partition[q].mean()
        if left.sum() >= k and (~left).sum() >= k:
            return partition[left], partition[~left]
    return None
"""
# Sends the values at the median to the right (left = strictly below), the other reading of "split".
RIGHT_TIES_C = """
def median_cut(partition, quasi_identifiers, k, domain):
    if len(partition) == 0:
        return None
    width = {q: (partition[q].max() - partition[q].min()) / domain[q] for q in quasi_identifiers}
    for q in sorted(quasi_identifiers, key=lambda q: -width[q]):
        if width[q] == 0:
            continue
        values = partition[q].to_numpy(dtype=float)
        median = np.median(values)
        left = values < median
        if not left.any():
            left = values <= median
        if left.sum() >= k and (~left).sum() >= k:
            return partition[left], partition[~left]
    return None
"""
# -- median_cut: cheat (the kit's own rule for the side of a tie) -------------------------------------
KIT_SIDE_C = """
from ppml_lab.anonymity.mondrian import _median_side

def median_cut(partition, quasi_identifiers, k, domain):
    if len(partition) == 0:
        return None
    width = {q: (partition[q].max() - partition[q].min()) / domain[q] for q in quasi_identifiers}
    for q in sorted(quasi_identifiers, key=lambda q: -width[q]):
        if width[q] == 0:
            continue
        left = _median_side(partition[q].to_numpy(dtype=float))
        if left.sum() >= k and (~left).sum() >= k:
            return partition[left], partition[~left]
    return None
"""
# -- median_cut: other correct answers ------------------------------------------------------------------
# Plain Python: lists, a sorted copy for the median, (width, position) keys for the order.
LOOP_C = """
def median_cut(partition, quasi_identifiers, k, domain):
    labels = list(partition.index)
    if not labels:
        return None
    candidates = []
    for position, q in enumerate(quasi_identifiers):
        column = [float(v) for v in partition[q]]
        candidates.append(((max(column) - min(column)) / domain[q], position, column))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    for width, _, column in candidates:
        if width == 0:
            continue
        ordered, n = sorted(column), len(column)
        median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
        if median == ordered[-1]:
            goes_left = [v < median for v in column]
        else:
            goes_left = [v <= median for v in column]
        left = [i for i, g in zip(labels, goes_left) if g]
        right = [i for i, g in zip(labels, goes_left) if not g]
        if len(left) >= k and len(right) >= k:
            return partition.loc[left], partition.loc[right]
    return None
"""
# pandas throughout, the order from a stable NumPy argsort, the right half decided first.
PANDAS_C = """
def median_cut(partition, quasi_identifiers, k, domain):
    qis = list(quasi_identifiers)
    if partition.empty:
        return None
    spans = partition[qis].max() - partition[qis].min()
    widths = (spans / pd.Series({q: domain[q] for q in qis})).to_numpy(dtype=float)
    for i in np.argsort(-widths, kind="stable"):
        if widths[i] == 0:
            continue
        column = partition[qis[i]].astype(float)
        right = column > column.median()
        if not right.any():  # the median is the largest value: it goes right
            right = column >= column.median()
        if (~right).sum() >= k and right.sum() >= k:
            return partition[~right], partition[right]
    return None
"""
# Checked in-process only (the eight notebooks are spent): the widest cut, whatever the halves hold.
NO_K_C = """
def median_cut(partition, quasi_identifiers, k, domain):
    if len(partition) == 0:
        return None
    width = {q: (partition[q].max() - partition[q].min()) / domain[q] for q in quasi_identifiers}
    for q in sorted(quasi_identifiers, key=lambda q: -width[q]):
        if width[q] == 0:
            continue
        values = partition[q].to_numpy(dtype=float)
        median = np.median(values)
        left = values < median if median == values.max() else values <= median
        return partition[left], partition[~left]
    return None
"""
