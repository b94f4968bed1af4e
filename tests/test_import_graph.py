"""crmlab's import graph: no cycle among its modules, no private name imported across top-level
modules or packages (DESIGN: dependencies point one way; no module takes another top-level
module's private names).

The graph is computed with ``ast`` over ``crmlab/**/*.py``: every ``import`` and ``from ...
import`` counts, at module level or inside a function, with relative imports resolved. An edge
``a -> b`` means module ``a`` imports module ``b`` (``from crmlab.x import name`` is an edge to
``crmlab.x.name`` when that is a module, else to ``crmlab.x``). Importing a package also runs its
``__init__``, so ``a -> crmlab.x.y`` implies ``a -> crmlab.x`` unless ``a`` is inside
``crmlab.x`` (whose ``__init__`` is then already running).

"Private" is a name with a leading underscore. Within one top-level package (``crmlab.clv.base``
-> ``crmlab.clv.bgnbd``) anything goes. Across top-level modules, the shared internal modules at
the top (``crmlab._validation``, ``crmlab._paths``) may be imported, but only their public names;
every other private module, function, class or attribute (``mod._helper`` on an imported
module) is a violation.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "crmlab"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _top(name: str) -> str:
    """The top-level module or package a crmlab module belongs to (``crmlab`` for the root)."""
    parts = name.split(".")
    return ".".join(parts[:2])


def _resolve(module: str, level: int, target: str | None) -> str:
    """Absolute name of a (possibly relative) import in ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, target] if target else base)


def _closest_module(name: str) -> str | None:
    """The longest prefix of ``name`` that is a crmlab module."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts = parts[:-1]
    return None


def _with_parents(name: str) -> list[str]:
    """``name`` and the packages whose ``__init__`` importing it runs (not the crmlab root)."""
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(2, len(parts) + 1)]


class _Imports(ast.NodeVisitor):
    """Imports of one module: edges, private names imported, module aliases."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.edges: list[tuple[str, int]] = []
        self.names: list[tuple[str, str, int]] = []  # (source module, imported name, line)
        self.aliases: dict[str, str] = {}  # local name -> crmlab module

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] != "crmlab":
                continue
            target = _closest_module(alias.name)
            if target:
                self.edges.append((target, node.lineno))
                self.names.append((target, "", node.lineno))
                if alias.asname:
                    self.aliases[alias.asname] = target

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _resolve(self.module, node.level, node.module)
        if source.split(".")[0] != "crmlab":
            return
        for alias in node.names:
            full = f"{source}.{alias.name}"
            if full in MODULES:  # a submodule
                self.edges.append((full, node.lineno))
                self.names.append((full, "", node.lineno))
                self.aliases[alias.asname or alias.name] = full
            else:
                target = _closest_module(source)
                if target:
                    self.edges.append((target, node.lineno))
                    self.names.append((target, alias.name, node.lineno))


def _private_uses(module: str, tree: ast.AST, visitor: _Imports, where: str) -> list[str]:
    """Private modules and names ``module`` takes from other top-level modules."""
    out: list[str] = []
    here = _top(module)
    for source, name, line in visitor.names:
        if _top(source) == here:
            continue
        inner = source.split(".")[1:]
        shared_internal = len(inner) == 1 and inner[0].startswith("_")
        if any(part.startswith("_") for part in inner) and not shared_internal:
            out.append(f"{where}:{line}: {module} imports the private module {source}")
        if name.startswith("_") and not name.startswith("__"):
            out.append(f"{where}:{line}: {module} imports the private name {source}.{name}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in visitor.aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and _top(visitor.aliases[node.value.id]) != here
        ):
            source = visitor.aliases[node.value.id]
            out.append(
                f"{where}:{node.lineno}: {module} uses the private name {source}.{node.attr}"
            )
    return out


def _scan() -> tuple[dict[str, set[str]], list[str], dict[tuple[str, str], int]]:
    graph: dict[str, set[str]] = defaultdict(set)
    lines: dict[tuple[str, str], int] = {}
    violations: list[str] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        visitor = _Imports(module)
        visitor.visit(tree)
        ancestors = set(_with_parents(module))
        for target, line in visitor.edges:
            # the packages on the way run their __init__ too, except the importer's own
            # (already being imported when it runs)
            implied = [p for p in _with_parents(target)[:-1] if p not in ancestors]
            for dep in [*implied, target]:
                if dep != module and dep in MODULES:
                    graph[module].add(dep)
                    lines.setdefault((module, dep), line)
        violations += _private_uses(module, tree, visitor, str(path.relative_to(ROOT)))
    return graph, violations, lines


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            strongconnect(v)
    return out


GRAPH, VIOLATIONS, LINES = _scan()


def _describe(component: list[str]) -> str:
    members = set(component)
    edges = [
        f"{a} -> {b} (line {LINES[(a, b)]})"
        for a in component
        for b in sorted(GRAPH.get(a, ()))
        if b in members
    ]
    return "{" + ", ".join(component) + "}: " + "; ".join(edges)


def test_the_scan_sees_the_package():
    """The scanner finds crmlab's modules and known edges (so an empty result means no cycle)."""
    assert {"crmlab.rfm", "crmlab.transactions", "crmlab.io", "crmlab.engines"} <= set(MODULES)
    assert "crmlab.transactions" in GRAPH["crmlab.rfm"]
    assert "crmlab.io" in GRAPH["crmlab.transactions"]
    assert "crmlab.engines" in GRAPH["crmlab.rfm"]  # a lazy import inside rfm_summary counts


def test_the_scan_finds_cycles_and_private_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert _resolve("crmlab.clv.value", 1, "base") == "crmlab.clv.base"
    assert _resolve("crmlab.clv", 1, "base") == "crmlab.clv.base"
    assert _resolve("crmlab.clv.value", 2, "io") == "crmlab.io"


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(c) for c in cycles)


def test_the_scan_finds_private_imports():
    code = (
        "from crmlab.rfm import _check_transactions, rfm_summary\n"
        "from ..io import _typed_transactions\n"
        "from crmlab import _validation as v\n"
        "from crmlab.io import _files\n"
        "from crmlab.retention.rates import _check_period\n"
        "def f():\n"
        "    from crmlab.engines._sql import REQUIRED\n"
        "    return v._plain(1), v.plain(2)\n"
    )
    tree = ast.parse(code)
    visitor = _Imports("crmlab.retention.survival")
    visitor.visit(tree)
    found = _private_uses("crmlab.retention.survival", tree, visitor, "x.py")
    assert found == [
        "x.py:1: crmlab.retention.survival imports the private name crmlab.rfm._check_transactions",
        "x.py:2: crmlab.retention.survival imports the private name crmlab.io._typed_transactions",
        "x.py:4: crmlab.retention.survival imports the private module crmlab.io._files",
        "x.py:7: crmlab.retention.survival imports the private module crmlab.engines._sql",
        "x.py:8: crmlab.retention.survival uses the private name crmlab._validation._plain",
    ]
    assert ("crmlab.engines._sql", 7) in visitor.edges  # imports inside functions count


@pytest.mark.parametrize("rule", ["private names across top-level modules"])
def test_no_private_imports_across_modules(rule):
    assert not VIOLATIONS, f"{rule}:\n" + "\n".join(VIOLATIONS)
