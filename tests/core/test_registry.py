"""Features plug into core through app.core.registry; core imports none of them."""

import ast
from pathlib import Path

from jinja2 import DictLoader

from app import create_app
from app.core import registry
from tests.conftest import page_text
from tests.core import feature_for_tests

APP = Path(__file__).resolve().parents[2] / "app"
FEATURES = ("app.mediation", "app.grid", "app.volunteers", "app.admin")


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_core_imports_no_feature():
    offenders = sorted(
        f"{path.relative_to(APP)} imports {module}"
        for path in (APP / "core").rglob("*.py")
        for module in imported_modules(path)
        if module.startswith(FEATURES)
    )
    assert offenders == []


def test_core_templates_name_no_feature_page():
    offenders = [
        str(path.relative_to(APP))
        for path in (APP / "templates" / "core").rglob("*.html")
        if any(f"'{name.split('.')[1]}." in path.read_text(encoding="utf-8") for name in FEATURES)
    ]
    assert offenders == []


def test_a_new_feature_plugs_in_without_touching_core(app_config, world, login_as):
    sample = create_app(dict(app_config, LINLI_FEATURES=(*FEATURES, "tests.core.feature_for_tests")))
    sample.jinja_env.loader = _with_card(sample)  # the feature's card template, as its package would ship it
    client = sample.test_client()
    login_as("volunteer", client)
    home = page_text(client.get("/"))
    assert "Sample section" in home and "Sample card for 孙志愿" in home
    assert client.get("/sample/").data == b"sample"
    with sample.app_context():
        assert registry.audit_targets()["sample_rows"] == "Sample row"
        assert "mediation_cases" in registry.audit_targets()
        for step in registry.demo_steps():
            if step.__module__ == feature_for_tests.__name__:
                step()
    assert feature_for_tests.DEMO_CALLS == ["loaded"]
    # and the others do not see it
    login_as("mediator", client)
    assert "Sample section" not in page_text(client.get("/"))


def _with_card(app):
    from jinja2 import ChoiceLoader

    return ChoiceLoader(
        [
            DictLoader({"core/_sample_card.html": '<article class="card">Sample card for {{ card.who }}</article>'}),
            app.jinja_env.loader,
        ]
    )


def test_the_menu_follows_the_registered_order(app, client, login_as):
    login_as("admin")
    html = client.get("/").get_data(as_text=True)
    positions = [html.index(f'href="{path}"') for path in ("/mediation/", "/grid/", "/volunteers/", "/admin/")]
    assert positions == sorted(positions)
