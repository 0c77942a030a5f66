"""The search app knows searchable kinds, never the domains that declare them."""

from __future__ import annotations

import ast
from pathlib import Path

SEARCH_APP = Path(__file__).resolve().parents[2] / "backend" / "search"
# What the search app may build on: itself and what every app shares.
ALLOWED = ("backend.search", "backend.common")


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_the_search_app_imports_no_domain_app():
    sources = sorted(SEARCH_APP.rglob("*.py"))
    assert SEARCH_APP / "graphql" / "types.py" in sources
    imports = {
        str(source.relative_to(SEARCH_APP)): sorted(
            module
            for module in imported_modules(source)
            if module.startswith("backend.") and not module.startswith(ALLOWED)
        )
        for source in sources
    }
    assert {path: modules for path, modules in imports.items() if modules} == {}
