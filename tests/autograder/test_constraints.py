"""Grading runs with pinned versions: constraints.txt pins every dependency, and this environment
(built by `make env` with it) holds exactly those versions, so two instructors' installs give the
same marks."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier  # exactly one ==
        assert spec.operator == "==", f"constraints.txt must pin exactly: {line!r}"
        pins[canonicalize_name(req.name)] = Version(spec.version)
    return pins


def test_every_dependency_of_the_kit_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + [d for ds in project["optional-dependencies"].values() for d in ds]
    pins = _pins()
    missing = sorted(name for name in (canonicalize_name(Requirement(d).name) for d in wanted) if name not in pins)
    assert not missing, f"not pinned in constraints.txt: {missing}"
    for dep in map(Requirement, wanted):  # the pins satisfy pyproject's ranges
        assert pins[canonicalize_name(dep.name)] in dep.specifier, (dep, pins[canonicalize_name(dep.name)])


def test_the_environment_holds_the_pinned_versions_of_what_grading_runs():
    pins = _pins()
    grading = ["nbgrader", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter-client", "numpy", "pandas",
               "scipy", "scikit-learn", "torch", "opacus", "tenseal", "matplotlib", "sqlalchemy", "traitlets"]
    wrong = {}
    for name in grading:
        installed = Version(re.sub(r"\+.*$", "", metadata.version(name)))
        if installed != pins[canonicalize_name(name)]:
            wrong[name] = (str(installed), str(pins[canonicalize_name(name)]))
    assert not wrong, f"installed versions differ from constraints.txt (run make env): {wrong}"


def test_the_conda_environment_installs_with_the_constraints_file():
    # environment.yml's pip block is the other route to an environment: it must pin the same way,
    # the constraints file first, before any package it installs
    import yaml

    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    (pip,) = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip[0].split() == ["-c", "constraints.txt"], pip
    pins = _pins()
    for line in pip[1:]:
        if line.startswith("-"):
            continue  # the editable install of the kit itself
        req = Requirement(line)
        for spec_ in req.specifier:  # a version written here must be the pinned one
            assert spec_.operator == "==" and Version(spec_.version) == pins[canonicalize_name(req.name)], line
