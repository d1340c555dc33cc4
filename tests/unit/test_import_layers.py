"""The import contract of ``chalicelib``: packages stand in layers and import only downwards, and no module imports
another that imports it back (directly or around a loop), lazy imports included.

``LAYERS`` is the contract, from the top floor to the ground: a package may import its own modules and those of
the packages on lower floors, never one on its floor or above. A new context takes its floor here; a package that
is on no floor fails the check until it is given one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# top to bottom; the packages on one floor are independent of each other
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),  # command line: may drive the HTTP app locally
    ("api",),  # REST routes, the request pipeline, and the HTTP door of the MCP server
    ("mcp", "jobs"),  # MCP tools, prompts and resources; scheduled jobs
    ("wiring",),  # the composition root: builds Deps from settings
    ("bookkeeping",),  # coordinators: use cases that span billing, company and the ledger
    ("exports", "analytics", "winery"),  # read sides over billing and the books; the winery (MonChai) on billing
    ("banking",),  # bank accounts, statements, reconciliation: records payments through billing
    ("billing",),
    ("ledger",),
    ("company",),
    ("auth",),
    ("webhooks",),
    ("store",),  # the storage port, its adapters, the unit of work, pagination, Deps
    ("core",),  # settings, errors, ids, clock, money, serialization
)


def module_names(package_dir: Path) -> dict[str, Path]:
    """Every module of the package under ``package_dir`` by dotted name (a package's ``__init__`` by its own)."""
    base = package_dir.parent
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(base).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _imported(node: ast.AST, module: str, is_package: bool, known: Mapping[str, Path]) -> Iterator[str]:
    """The modules of ``known`` that one import statement names."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in known)
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: from the module's package upwards
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[:len(anchor) - node.level + 1]
            source = ".".join([*anchor, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            if f"{source}.{alias.name}" in known:  # ``from package import module``
                yield f"{source}.{alias.name}"
            elif source in known:
                yield source


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, wherever the import stands (top of file or inside a function)."""
    known = module_names(package_dir)
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        graph[module] = {target for node in ast.walk(tree) for target in _imported(node, module, is_package, known)
                         if target != module}
    return graph


def _reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The loops of the graph: each set of modules that reach one another, sorted."""
    reach = {node: _reachable(graph, node) for node in graph}
    loops = {frozenset({node, *(other for other in reach[node] if node in reach.get(other, ()))})
             for node in graph if node in reach[node]}
    return sorted(sorted(loop) for loop in loops)


def layer_violations(graph: Mapping[str, set[str]], root: str, layers: Sequence[Sequence[str]]) -> list[str]:
    """Every import that runs sideways or up between the packages of ``root``, and every package on no floor."""
    floor = {package: n for n, packages in enumerate(layers) for package in packages}
    problems = []
    for module, targets in sorted(graph.items()):
        source = module.split(".")[1] if module.count(".") else None
        if source is not None and source not in floor:
            problems.append(f"{root}.{source} stands on no floor of the layers")
        for target in sorted(targets):
            destination = target.split(".")[1] if target.count(".") else None
            if source is None or destination is None or source == destination or destination not in floor:
                continue
            if source in floor and floor[destination] <= floor[source]:
                way = "sideways" if floor[destination] == floor[source] else "up"
                problems.append(f"{module} imports {target}: {source} -> {destination} runs {way}")
    return sorted(set(problems))


# --- the contract of this repository ----------------------------------------------------------------------------


def test_chalicelib_imports_run_only_downwards_between_its_packages() -> None:
    assert layer_violations(import_graph(ROOT / "chalicelib"), "chalicelib", LAYERS) == []


def test_no_module_of_chalicelib_imports_itself_back_through_a_loop() -> None:
    assert cycles(import_graph(ROOT / "chalicelib")) == []


def test_every_package_of_chalicelib_stands_on_a_floor() -> None:
    packages = {path.parent.name for path in (ROOT / "chalicelib").glob("*/__init__.py")}
    modules = {path.stem for path in (ROOT / "chalicelib").glob("*.py") if path.stem != "__init__"}
    floors = {package for packages_of_floor in LAYERS for package in packages_of_floor}
    assert packages | modules <= floors


# --- the checker itself, on small packages written for the purpose ------------------------------------------------


def _package(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "shop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for directory in [tmp_path / "shop", *(tmp_path / "shop").rglob("*")]:
        if directory.is_dir() and not (directory / "__init__.py").exists():
            (directory / "__init__.py").write_text("")
    return tmp_path / "shop"


SHOP_LAYERS = (("orders",), ("catalog",), ("base",))


def test_checker_passes_a_package_whose_imports_run_down(tmp_path: Path) -> None:
    shop = _package(tmp_path, {"orders/service.py": "from shop.catalog import items\n",
                               "catalog/items.py": "from shop.base.money import D\n",
                               "base/money.py": "D = 1\n"})
    graph = import_graph(shop)
    assert layer_violations(graph, "shop", SHOP_LAYERS) == [] and cycles(graph) == []


def test_checker_reports_a_deliberately_added_cycle_even_through_a_lazy_import(tmp_path: Path) -> None:
    shop = _package(tmp_path, {"catalog/items.py": "from shop.catalog.prices import price\n",
                               "catalog/prices.py": "def price():\n    from shop.catalog import items\n"})
    assert cycles(import_graph(shop)) == [["shop.catalog.items", "shop.catalog.prices"]]


def test_checker_reports_a_package_cycle_as_an_upward_import(tmp_path: Path) -> None:
    shop = _package(tmp_path, {"orders/service.py": "from shop.catalog.items import item\n",
                               "catalog/items.py": "import shop.orders.service\n"})
    graph = import_graph(shop)
    assert layer_violations(graph, "shop", SHOP_LAYERS) == [
        "shop.catalog.items imports shop.orders.service: catalog -> orders runs up"]
    assert cycles(graph) == [["shop.catalog.items", "shop.orders.service"]]


def test_checker_reports_an_import_between_packages_of_one_floor(tmp_path: Path) -> None:
    shop = _package(tmp_path, {"orders/service.py": "from shop.billing import invoices\n",
                               "billing/invoices.py": "X = 1\n"})
    layers = (("orders", "billing"), ("base",))
    assert layer_violations(import_graph(shop), "shop", layers) == [
        "shop.orders.service imports shop.billing.invoices: orders -> billing runs sideways"]


def test_checker_reports_a_package_on_no_floor(tmp_path: Path) -> None:
    shop = _package(tmp_path, {"banking/feeds.py": "from shop.base.money import D\n", "base/money.py": "D = 1\n"})
    problems = layer_violations(import_graph(shop), "shop", SHOP_LAYERS)
    assert problems == ["shop.banking stands on no floor of the layers"]


@pytest.mark.parametrize("statement", ["from . import prices", "from .prices import price"])
def test_checker_follows_relative_imports(tmp_path: Path, statement: str) -> None:
    shop = _package(tmp_path, {"catalog/items.py": statement + "\n",
                               "catalog/prices.py": "from shop.catalog.items import X\n"})
    assert cycles(import_graph(shop)) == [["shop.catalog.items", "shop.catalog.prices"]]
