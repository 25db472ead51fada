"""Dependencies point one way: datasets at the bottom, engines above it, tools on top."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "ppml_lab"
ENGINES = ("datasets", "dp", "he", "smpc", "secagg", "fl", "attacks", "anonymity")
TOOLS = ("autograder", "benchmarks", "ppml_lab.cli")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _engine_files():
    for engine in ENGINES:
        folder = PKG / engine
        files = list(folder.rglob("*.py")) if folder.is_dir() else []
        for path in files:
            yield engine, path


@pytest.mark.parametrize("engine,path", list(_engine_files()), ids=lambda v: str(v).split("ppml_lab/")[-1])
def test_engine_imports_point_one_way(engine, path):
    imported = _imports(path)
    for name in imported:
        assert not any(name == t or name.startswith(t + ".") for t in TOOLS), f"{path} imports tool {name}"
    if engine == "datasets":
        others = [
            n
            for n in imported
            if n.startswith("ppml_lab.")
            and not n.startswith("ppml_lab.datasets")
            and n not in ("ppml_lab._checks", "ppml_lab.config")
        ]
        assert not others, f"datasets must know no engine, but {path} imports {others}"
        assert not any(n == "torch" or n.startswith("torch.") for n in imported), f"{path} imports torch"


def test_the_library_imports_without_the_tools():
    import subprocess
    import sys

    code = (
        "import sys, ppml_lab, ppml_lab.datasets, ppml_lab.dp, ppml_lab.anonymity; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('autograder', 'benchmarks')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
