"""The layering holds: no import cycles (outside TYPE_CHECKING), and only storage knows TinyDB."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "fieldnotes"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module named by an import in `path`, at any depth, except under `if TYPE_CHECKING:`."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name == "TYPE_CHECKING":
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _graph() -> tuple[nx.DiGraph, dict[str, set[str]]]:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    raw = {name: _imports(path) for name, path in modules.items()}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, targets in raw.items():
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph.add_edge(name, target)
    return graph, raw


def test_no_import_cycles() -> None:
    graph, _ = _graph()
    components = nx.strongly_connected_components(graph)
    cycles = [sorted(component) for component in components if len(component) > 1]
    assert cycles == []


def test_only_storage_imports_tinydb() -> None:
    _, raw = _graph()
    users = sorted(name for name, targets in raw.items() if any(t.split(".")[0] == "tinydb" for t in targets))
    assert users and all(name.startswith("fieldnotes.storage") for name in users), users


def test_styles_live_in_tcss_files_not_in_python_strings() -> None:
    """Every style is in tui/app.tcss, where a designer finds it (no CSS or DEFAULT_CSS class strings)."""
    offenders = []
    for path in (PACKAGE / "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any(name in ("CSS", "DEFAULT_CSS") for name in names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
