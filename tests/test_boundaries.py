"""The three services never import one another; cluster-side code imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"astakos": ROOT / "astakos/astakos", "pithos": ROOT / "pithos/pithos",
            "cyclades": ROOT / "cyclades/cyclades"}
CLUSTER_SIDE = {"snf_ganeti": ROOT / "ganeti-hooks/snf_ganeti",
                "snf_image": ROOT / "snf-image/snf_image",
                "archipelago": ROOT / "archipelago/archipelago",
                "snf_common": ROOT / "snf-common/snf_common"}


def imported_roots(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path))
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_imports_no_other_service(service):
    roots = imported_roots(SERVICES[service])
    others = set(SERVICES) - {service}
    offending = {name: sorted(files) for name, files in roots.items() if name in others}
    assert not offending, f"{service} imports another service: {offending}"


@pytest.mark.parametrize("library", sorted(CLUSTER_SIDE))
def test_libraries_and_cluster_code_import_no_service(library):
    roots = imported_roots(CLUSTER_SIDE[library])
    forbidden = set(SERVICES) | {"kamaki", "snf_deploy"}
    offending = {name: sorted(files) for name, files in roots.items() if name in forbidden}
    assert not offending, f"{library} imports a service: {offending}"


def test_the_boundary_check_sees_imports(tmp_path):
    (tmp_path / "mod.py").write_text("import pithos.api\nfrom cyclades import x\n")
    roots = imported_roots(tmp_path)
    assert {"pithos", "cyclades"} <= set(roots)
