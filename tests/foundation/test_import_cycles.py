"""No import circle among the kit's modules (module-level imports; lazy imports inside functions are
how a module may reach up or sideways on demand, and are not counted).

An edge goes from a module to every module its top-level ``import`` / ``from ... import`` statements
name (``from package import name`` counts ``package.name`` when that is a module). A submodule's
implicit import of its own parent package is not an edge: every package would be a circle with its
children otherwise.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ppml_lab", "autograder")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _top_level_imports(tree: ast.Module) -> list[ast.stmt]:
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            out.extend(n for n in node.body if isinstance(n, ast.Import | ast.ImportFrom))
        elif isinstance(node, ast.Try):
            out.extend(n for n in node.body if isinstance(n, ast.Import | ast.ImportFrom))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _top_level_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
            edges.update(t for t in targets if t in modules and t != name and not name.startswith(t + "."))
        graph[name] = edges
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_kit_has_no_import_circle():
    cycle = _cycle(_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_check_finds_a_circle_when_there_is_one():
    graph = _graph()
    graph["ppml_lab.fl.strategy"] = graph["ppml_lab.fl.strategy"] | {"ppml_lab.fl.dp"}  # the old circle
    assert _cycle(graph) is not None
    assert "ppml_lab.fl.strategy" in graph["ppml_lab.fl.dp"]


def test_strategies_are_made_by_name_from_the_registry_not_through_a_lazy_import():
    import inspect

    from ppml_lab.fl import DPFedAvg, make_strategy, strategy
    from ppml_lab.fl.registry import STRATEGIES

    assert None not in STRATEGIES.values()  # the old placeholder for DPFedAvg
    assert "ppml_lab.fl.dp" not in inspect.getsource(strategy)
    assert isinstance(make_strategy("dpfedavg"), DPFedAvg)
