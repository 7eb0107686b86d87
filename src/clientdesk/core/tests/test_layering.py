"""The layering the app contract promises: core imports no desk app; an app imports only those before it."""

import ast
from pathlib import Path

from django.apps import apps

from clientdesk.core.contract import desk_apps

PACKAGE = Path(apps.get_app_config("core").path).parent  # src/clientdesk


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Modules a file imports when it runs (imports under `if TYPE_CHECKING:` are for the type checker only)."""
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for stmt in node.body
        for child in ast.walk(stmt)
    }
    modules: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "clientdesk":
                modules += [f"clientdesk.{alias.name}" for alias in node.names]
            else:
                modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
    return modules


def imported_apps(app_dir: Path) -> dict[str, set[str]]:
    """{module path: the clientdesk packages it imports at run time}, for the app's own code (tests left out)."""
    found: dict[str, set[str]] = {}
    for path in app_dir.rglob("*.py"):
        if "tests" in path.relative_to(app_dir).parts:
            continue
        modules = _runtime_imports(ast.parse(path.read_text(), str(path)))
        found[path.relative_to(app_dir).as_posix()] = {m.split(".")[1] for m in modules if m.startswith("clientdesk.")}
    return found


def test_core_imports_no_desk_app():
    labels = {app.label for app in desk_apps()}
    offenders = {path: names & labels for path, names in imported_apps(PACKAGE / "core").items() if names & labels}
    assert offenders == {}


def test_each_desk_app_imports_only_itself_and_the_apps_installed_before_it():
    order = [app.label for app in desk_apps()]
    offenders = {}
    for position, app in enumerate(desk_apps()):
        later = set(order[position + 1 :])
        for path, names in imported_apps(Path(app.path)).items():
            if names & later:
                offenders[f"{app.label}/{path}"] = sorted(names & later)
    assert offenders == {}


def test_the_check_sees_an_import_of_a_later_app(tmp_path):
    (tmp_path / "views.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from clientdesk.clients.models import Client\n"
        "from clientdesk import audit\n"
        "if TYPE_CHECKING:\n"
        "    from clientdesk.billing.models import Invoice\n"
    )
    assert imported_apps(tmp_path) == {"views.py": {"clients", "audit"}}
