"""Guards of the layering (docs/architecture.md): they read the source, so a change that
breaks a rule fails here before it can hide a cycle."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("core", "enrollment", "alumni", "verification", "mct_portal")
# Each package may import only the packages below it (mct_portal wires them together).
MAY_NOT_IMPORT = {
    "core": ("enrollment", "alumni", "verification", "mct_portal"),
    "verification": ("enrollment", "alumni"),
    "enrollment": ("alumni",),
}


def _sources(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def _imported(node: ast.AST, module_package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: stays inside its own package
            return [module_package]
        return [node.module or ""]
    return []


def _function_level_imports(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            for name in _imported(node, package):
                if name.split(".")[0] in (*FIRST_PARTY, "django"):
                    found.append((node.lineno, name))
    return found


@pytest.mark.parametrize("package", FIRST_PARTY)
def test_no_app_imports_its_own_code_inside_a_function(package):
    """An import inside a function is how a cycle hides; AppConfig.ready() is the one place
    Django asks for it (signal receivers)."""
    offenders = []
    for path, tree in _sources(package):
        if path.name == "apps.py":
            continue
        offenders += [
            f"{path.relative_to(ROOT)}:{line} imports {name}"
            for line, name in _function_level_imports(tree, package)
        ]
    assert offenders == []


@pytest.mark.parametrize(("package", "forbidden"), MAY_NOT_IMPORT.items())
def test_dependencies_point_one_way(package, forbidden):
    offenders = []
    for path, tree in _sources(package):
        for node in ast.walk(tree):
            for name in _imported(node, package):
                if name.split(".")[0] in forbidden:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert offenders == []


def test_the_guard_sees_an_import_inside_a_function():
    tree = ast.parse("def f():\n    from enrollment.services import memberships\n")
    assert _function_level_imports(tree, "verification") == [(2, "enrollment.services")]


def test_the_guard_sees_verification_importing_enrollment():
    tree = ast.parse("from enrollment.models import Trainer\n")
    node = tree.body[0]
    assert _imported(node, "verification") == ["enrollment.models"]


# --- State changes: only services assign a state field ----------------------------------------

STATE_FIELDS = ("status", "state")
# The modules that are services: they lock, check the transition map, audit and mail.
SERVICE_MODULES = ("services", "services.py", "mail.py")


def _state_writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in STATE_FIELDS:
                found.append((node.lineno, f".{target.attr} ="))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and any(k.arg in STATE_FIELDS for k in node.keywords)
        ):
            found.append((node.lineno, ".update(state)"))
    return found


def _is_service(path: Path) -> bool:
    return any(part in SERVICE_MODULES for part in path.relative_to(ROOT).parts)


@pytest.mark.parametrize("package", ["enrollment", "alumni", "verification"])
def test_a_state_field_is_assigned_only_in_a_service(package):
    offenders = []
    for path, tree in _sources(package):
        if _is_service(path):
            continue
        offenders += [
            f"{path.relative_to(ROOT)}:{line} {what}" for line, what in _state_writes(tree)
        ]
    assert offenders == []


def test_the_guard_sees_a_state_assigned_in_a_view():
    tree = ast.parse("def post(request):\n    application.status = 'approved'\n")
    assert _state_writes(tree) == [(2, ".status =")]
    assert _state_writes(ast.parse("Document.objects.update(state='approved')\n"))
    assert not _is_service(ROOT / "enrollment" / "views" / "support.py")
    assert _is_service(ROOT / "enrollment" / "services" / "support.py")


def _audit_calls(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "audit"
    ]


@pytest.mark.parametrize("package", ["enrollment", "alumni", "verification"])
def test_audit_rows_are_written_only_in_services(package):
    offenders = []
    for path, tree in _sources(package):
        if _is_service(path) or path.name == "audit.py":
            continue
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _audit_calls(tree)]
    assert offenders == []
