"""The floor plan (STYLE.md › Layout), checked on the imports themselves.

Every module of our apps (migrations and tests aside) is parsed; each import, at the top or
inside a function (both run), becomes an edge from its app to the imported one. Imports under
`if TYPE_CHECKING:` never run and are left out. `partner_center/`, `demo/` and `bench/` sit on
the top floor and may import anything, so they are not sources of edges.
"""

import ast
import itertools
import os
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every app of ours, present or planned; those not written yet are simply absent.
APPS = [
    "accounts",
    "apps_services",
    "categories",
    "compliance",
    "console",
    "demo",
    "notifications",
    "onboarding",
    "open_api",
    "referrals",
    "reviews",
    "sellers",
    "teams",
]
# The top floor: may import everything, so its imports are no edges.
TOP_FLOOR = {"partner_center", "demo", "bench"}
TOP_FLOOR_COMMANDS = {"seed_demo", "bench_data"}

_GROUND = {"categories", "reviews"}
# A partner account is a team (SPEC §8): the teams app sits on accounts, and every app that
# scopes by account or checks a member's module reads it.
_TEAMS = {"accounts", "categories"}
_ONBOARDING = {"accounts", "categories", "reviews", "notifications", "teams"}
# Compliance reviews partners onboarding has made: it sits above onboarding.
_COMPLIANCE = _ONBOARDING | {"onboarding"}
# Sellers (the Seller Center stand-in) is a leaf: seller verification talks to it.
_APPS_SERVICES = _COMPLIANCE | {"compliance", "sellers"}
_OPEN_API = _APPS_SERVICES | {"apps_services"}
# What each app may import from (the floors below it); anything else is a violation.
ALLOWED = {
    "categories": set(),
    "reviews": set(),
    "sellers": set(),
    "accounts": _GROUND,
    "teams": _TEAMS,
    "notifications": {"accounts", "categories", "teams"},
    "onboarding": _ONBOARDING,
    "compliance": _COMPLIANCE,
    "apps_services": _APPS_SERVICES,
    "open_api": _OPEN_API,
    "referrals": _OPEN_API | {"open_api"},
    # The developer console's pages stand on the Open API they exercise.
    "console": _OPEN_API | {"open_api"},
}

MAX_LINES = 600
# Data and load generators, not code that holds rules.
LONG_MODULES_ALLOWED = ("categories/catalog.py", "bench/", "demo/")


# Until onboarding's admin stops importing compliance (the last edge against the plan).
def _python_files():
    """Our Python files: not the virtualenv, node_modules, var/ or migrations."""
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".")
            and name not in {"node_modules", "var", "migrations", "__pycache__"}
        )
        yield from (Path(folder) / name for name in sorted(files) if name.endswith(".py"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every import node that runs, skipping the bodies of `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imported_modules(node: ast.Import | ast.ImportFrom, package: list[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = package[: len(package) - node.level + 1]
        stem = ".".join([*base, node.module] if node.module else base)
    else:
        stem = node.module or ""
    # `from pkg import name` may import the module pkg.name: both resolve to the same app.
    return [stem]


def _modules():
    """(app, module name parts, path) of every module of our apps, migrations and tests aside."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            yield app, parts, path


def _is_source(app: str, parts: tuple[str, ...]) -> bool:
    if app in TOP_FLOOR:
        return False
    return not ("commands" in parts and parts[-1] in TOP_FLOOR_COMMANDS)


def import_graph() -> dict[tuple[str, str], list[str]]:
    """{(app, imported app): ["module.py:line", ...]} across our apps."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for app, parts, path in _modules():
        if not _is_source(app, parts):
            continue
        # The package a relative import starts from (a package's __init__ is in itself).
        package = list(parts[:-1])
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            for module in _imported_modules(node, package):
                target = module.split(".")[0]
                if target in APPS and target != app:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    edges[(app, target)].append(where)
    for found in edges.values():
        found.sort(key=lambda where: (where.split(":")[0], int(where.split(":")[1])))
    return edges


def find_cycles(edges) -> list[list[str]]:
    """The shortest cycle through each app that is on one, as a path [a, b, ..., a]."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    cycles, seen = [], set()
    for start in sorted(graph):
        # Breadth-first back to `start`: the shortest cycle through it.
        parents, frontier = {start: None}, [start]
        found = None
        while frontier and found is None:
            nxt = []
            for node in frontier:
                for target in sorted(graph[node]):
                    if target == start:
                        found = node
                        break
                    if target not in parents:
                        parents[target] = node
                        nxt.append(target)
                if found is not None:
                    break
            frontier = nxt
        if found is None:
            continue
        path, node = [start], found
        while node != start:
            path.insert(1, node)
            node = parents[node]
        path.append(start)
        # The same cycle found from another of its apps: report it once.
        rotation = min(tuple(path[i:-1] + path[:i]) for i in range(len(path) - 1))
        if rotation not in seen:
            seen.add(rotation)
            cycles.append(path)
    return cycles


def describe_cycle(path: list[str], edges) -> str:
    lines = [" -> ".join(path)]
    for source, target in itertools.pairwise(path):
        lines.append(f"  {source} -> {target}: {', '.join(edges[(source, target)][:3])}")
    return "\n".join(lines)


def test_the_import_graph_sees_relative_function_level_imports_and_skips_type_checking():
    # given: one module with each kind of import
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import services\n"
        "from ..sellers import directory\n"
        "if TYPE_CHECKING:\n"
        "    from referrals.models import Link\n"
        "else:\n"
        "    import categories.models\n"
        "def view():\n"
        "    from accounts.models import User\n"
    )
    # when
    found = {
        module
        for node in _imports(ast.parse(source))
        for module in _imported_modules(node, ["onboarding", "sub"])
    }
    # then
    assert found == {
        "typing",
        "onboarding.sub",
        "onboarding.sellers",
        "categories.models",
        "accounts.models",
    }


def test_find_cycles_prints_the_path():
    edges = {("a", "b"): ["a.py:1"], ("b", "c"): ["b.py:2"], ("c", "a"): ["c.py:3"]}

    (cycle,) = find_cycles(edges)

    assert cycle == ["a", "b", "c", "a"]
    assert "c -> a: c.py:3" in describe_cycle(cycle, edges)


def test_no_import_cycle_between_apps():
    edges = import_graph()

    cycles = find_cycles(edges)

    assert not cycles, "Import cycles between apps:\n" + "\n".join(
        describe_cycle(cycle, edges) for cycle in cycles
    )


def test_apps_import_only_from_the_floors_below():
    edges = import_graph()

    violations = [
        f"{source} -> {target}: {', '.join(where[:3])}"
        for (source, target), where in sorted(edges.items())
        if target not in ALLOWED.get(source, set())
    ]

    assert not violations, "Imports against the floor plan:\n" + "\n".join(violations)


def test_no_domain_app_imports_demo():
    edges = import_graph()
    # The walk sees real imports (an empty graph would pass every check here).
    assert ("onboarding", "accounts") in edges

    importers = [
        f"{source}: {where}" for (source, target), where in edges.items() if target == "demo"
    ]

    assert importers == []


def test_no_module_is_over_600_lines():
    long_modules = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(LONG_MODULES_ALLOWED):
            continue
        with path.open(encoding="utf-8") as lines:
            count = sum(1 for _ in lines)
        if count > MAX_LINES:
            long_modules.append(f"{relative}: {count} lines")

    assert long_modules == [], "Modules over 600 lines:\n" + "\n".join(long_modules)
