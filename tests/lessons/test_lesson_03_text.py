"""Lesson 03's text on the CKKS scale and on returning decryptions, read from the notebooks (no run).

The lesson test executes the notebook; these checks say what the text and the plot must keep
saying, in the master and in the released copy, so that an edit cannot drop them silently.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = "03_encrypted_credit_risk"
NOTEBOOKS = [ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", ROOT / "course" / LESSON / f"{LESSON}.ipynb"]


def _cells(path: Path) -> list[tuple[str, str, dict]]:
    nb = json.loads(path.read_text())
    return [(c["cell_type"], "".join(c["source"]), c.get("metadata", {})) for c in nb["cells"]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=["solutions", "course"])
def test_the_ind_cpa_d_warning_is_a_locked_cell_saying_what_must_not_go_back(path):
    [(_, text, meta)] = [c for c in _cells(path) if c[2].get("nbgrader", {}).get("grade_id") == "ind-cpa-d-md"]
    assert meta["nbgrader"]["locked"] is True
    for phrase in ("must not go back to the evaluator", "IND-CPA", "secret key", "fresh encryptions",
                   "noise flooding", "`KeyOwner.decrypt` returns raw"):
        assert phrase in text, phrase


@pytest.mark.parametrize("path", NOTEBOOKS, ids=["solutions", "course"])
def test_the_scale_section_plots_decoded_error_against_levels_for_presets_and_a_drifting_chain(path):
    code = [text for kind, text, _ in _cells(path) if kind == "code"]
    [plot] = [t for t in code if "scale_errors[label] = errors" in t]
    assert "CKKSParameters(8192, (40, 21, 21, 21, 21, 21, 21, 40), 21)" in plot  # the drifting chain
    assert '"n8192_depth4"' in plot and '"n8192_depth5"' in plot  # the presets, at their own levels
    assert 'ax.set_xlabel("levels used' in plot and 'ax.set_ylabel("max |decoded - true|' in plot
    assert "MAX_SCALE_DEVIATION" in plot
    text = " ".join(t for kind, t, _ in _cells(path) if kind == "markdown")
    for phrase in ("scale", "precision", "levels", "bit"):
        assert phrase in text
