"""The canary-plan cache: one calibration per master notebook, wherever it is shared."""

from autograder import standalone


def test_plans_are_cached_per_master_notebook_in_the_named_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(standalone.PLANS_ENV_VAR, str(tmp_path))
    path = standalone.plan_cache("00_orientation")
    assert path.parent == tmp_path and path.name.startswith("00_orientation-")
    assert standalone.read_plan(path) is None
    plan = {"test_k_anonymity": {"c1": True, "c2": False, "c3": True}}
    standalone.write_plan(path, plan)
    assert standalone.read_plan(path) == plan
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temporary file left
    # plans calibrated in the sandbox are kept apart from plain nbgrader's
    assert standalone.plan_cache("00_orientation", "sandbox") != path
    # a changed master notebook is calibrated again
    monkeypatch.setattr(standalone, "source_digest", lambda a: "f" * 64)
    assert standalone.plan_cache("00_orientation") != path


def test_without_the_variable_plans_live_in_the_grading_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(standalone.PLANS_ENV_VAR, raising=False)
    monkeypatch.setenv(standalone.GRADING_ENV_VAR, str(tmp_path))
    assert standalone.plan_cache("00_orientation").parent == tmp_path / standalone.PLAN_DIR
