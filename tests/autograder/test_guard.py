"""The in-kernel tamper guard: restore what learner code patched, poison references and expectations."""

import builtins
import inspect
import json
import math
import sys
import types

import numpy as np
import numpy.testing
import pandas as pd
import pytest

import autograder.checks
import ppml_lab.anonymity
from autograder import guard


@pytest.fixture
def snapshot():
    saved = guard._SNAPSHOT
    guard.take_snapshot()
    yield
    guard._SNAPSHOT = saved


def test_restore_undoes_module_level_patches_of_what_hidden_tests_use(snapshot):
    originals = {
        "abs": builtins.abs,
        "allclose": numpy.testing.assert_allclose,
        "k": ppml_lab.anonymity.k_anonymity,
        "code": autograder.checks.assert_own_implementation.__code__,
        "setprofile": sys.setprofile,
    }
    try:
        builtins.abs = lambda x: 0
        numpy.testing.assert_allclose = lambda *a, **k: None
        ppml_lab.anonymity.k_anonymity = lambda df, qis: 1
        autograder.checks.assert_own_implementation.__code__ = (lambda *a, **k: None).__code__
        sys.modules["autograder.checks"] = type(sys)("autograder.checks")
        sys.setprofile = lambda fn: None
        changed = guard.restore()
        assert abs(-3) == 3
        assert numpy.testing.assert_allclose is originals["allclose"]
        assert ppml_lab.anonymity.k_anonymity is originals["k"]
        assert autograder.checks.assert_own_implementation.__code__ is originals["code"]
        assert sys.modules["autograder.checks"] is autograder.checks and sys.setprofile is originals["setprofile"]
        assert {"builtins.abs", "ppml_lab.anonymity.k_anonymity", "sys.setprofile"} <= set(changed)
        assert json.loads(guard.last_restored()) == changed
        assert guard.restore() == []  # nothing left to undo
    finally:
        builtins.abs = originals["abs"]
        numpy.testing.assert_allclose = originals["allclose"]
        ppml_lab.anonymity.k_anonymity = originals["k"]
        autograder.checks.assert_own_implementation.__code__ = originals["code"]
        sys.modules["autograder.checks"] = autograder.checks
        sys.setprofile = originals["setprofile"]


def test_poisoned_reference_gives_wrong_results_but_stays_watchable(snapshot):
    table = pd.DataFrame({"a": [1, 1, 2, 2, 2], "b": list("xxyyy")})
    poisoned = guard.poisoned("ppml_lab.anonymity", "k_anonymity")
    assert ppml_lab.anonymity.k_anonymity(table, ["a"]) == 2
    assert poisoned(table, ["a"]) != 2 and math.isnan(poisoned(table, ["a"]))
    assert inspect.unwrap(poisoned) is ppml_lab.anonymity.k_anonymity  # the delegation check still sees it
    with pytest.raises(ValueError):
        poisoned(table, [])  # errors of the reference are kept


@pytest.mark.parametrize(
    "value",
    [3, 2.5, True, np.arange(4), np.float64(1.0), pd.Series([1.0, 2.0]), pd.DataFrame({"a": [1]}), (1, 2.0),
     [1, 2], {"k": 1}, "text", None],
)
def test_poison_value_equals_no_correct_answer(value):
    bad = guard.poison_value(value)
    if isinstance(value, (np.ndarray, pd.Series, pd.DataFrame)):
        assert not np.any(np.asarray(bad) == np.asarray(value))
    else:
        assert not (bad == value)


def test_poison_source_rebinds_each_imported_reference():
    src = (
        "from ppml_lab.dp import randomized_response_epsilon as _reference\n"
        "from autograder.checks import assert_own_implementation\n"
        "import math\n"
        "x = _reference(0.5)\n"
    )
    out = guard.poison_source(src)
    assert "_reference = __import__('autograder.guard'" in out and "poisoned('ppml_lab.dp'" in out
    assert out.index("poisoned(") < out.index("x = _reference")
    assert guard.poison_source("import math\nassert math.pi > 3\n") is None
    assert guard.poison_source("%timeit 1\n") is None


def test_poisoned_expectations_fail_honest_answers_and_pass_always_equal_ones():
    test_cell = "assert answer() == 2\nassert answer() < 5\n"
    src = guard.poison_expectations(test_cell)
    honest = {"answer": lambda: 2}
    with pytest.raises(AssertionError):
        exec(src, dict(honest))

    class Anything:
        def __eq__(self, other):
            return True

        def __lt__(self, other):
            return True

    exec(src, {"answer": Anything})  # passes: this is what the c3 canary detects
    assert guard.poison_expectations("x = 1\n") is None


def test_canaries_run_in_a_fork_and_report_pass_fail_and_timeout():
    verdict = json.loads(
        guard.run_canaries({"ok": "assert 1 + 1 == 2", "bad": "assert 1 == 2", "slow": "while True: pass"}, 2.0, "n1")
    )
    assert verdict == {"nonce": "n1", "verdicts": {"ok": "pass", "bad": "fail", "slow": "timeout"}}
    assert json.loads(guard.last_verdict()) == verdict


def test_canary_that_drops_an_inherited_tenseal_context_does_not_hang_the_fork():
    # A TenSEAL context owns a thread pool; destroying the parent's context in a forked child waited
    # forever for pool workers that a fork does not copy, so a canary re-running an HE test cell that
    # rebinds its key owner timed out instead of giving its verdict.
    ts = pytest.importorskip("tenseal")
    holder = types.ModuleType("_ppml_test_fork_holder")
    holder.context = ts.context(ts.SCHEME_TYPE.CKKS, 8192, coeff_mod_bit_sizes=[60, 40, 60])
    holder.context.global_scale = 2.0**40
    holder.vector = ts.ckks_vector(holder.context, [1.0, 2.0])
    sys.modules[holder.__name__] = holder
    try:
        rebind = (
            "import sys\n"
            f"_h = sys.modules[{holder.__name__!r}]\n"
            "_h.vector = _h.context = None\n"
            "import gc\n"
            "gc.collect()\n"
            "assert _h.context is None\n"
        )
        verdict = json.loads(guard.run_canaries({"rebind": rebind, "bad": rebind + "assert False\n"}, 30.0, "n2"))
        assert verdict["verdicts"] == {"rebind": "pass", "bad": "fail"}
        assert holder.context.is_private()  # the parent's context is untouched
    finally:
        del sys.modules[holder.__name__]
