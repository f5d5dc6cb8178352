"""docs/litellm.md, the migration page, kept true: its routes against LiteLLM's installed source
and against what a live Gatehouse serves (`GET /routes`), its settings against `gatehouse config
check`."""
import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm  # noqa: E402

from gatehouse_process import BINARY, Gatehouse  # noqa: E402

PAGE = Path(__file__).parents[2] / "docs" / "litellm.md"
STATUSES = {"same", "different", "not implemented"}
SETTING_STATUSES = {"implemented", "ignored"}


def normalized(path):
    """Path parameters are compared by position only: `{key:path}`, `{key}` and `**` alike."""
    return re.sub(r"\{[^}]*\}|\*\*", "{}", path)


def section(title):
    text = PAGE.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else len(text)]


def table_rows(text):
    """Every body row of every table in `text`, as lists of cells."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells[0] not in ("LiteLLM route", "key"):
                rows.append(cells)
    return rows


def page_routes():
    """(route, status) for every route the page names."""
    named = []
    for cells in table_rows(section("Routes")):
        assert cells[1] in STATUSES, f"unknown status {cells[1]!r} for {cells[0]}"
        routes = re.findall(r"`([^`]+)`", cells[0])
        assert routes, f"a row without a route: {cells}"
        named += [(route, cells[1]) for route in routes]
    return named


def liteLLM_routes():
    """Every path LiteLLM's proxy declares, read from its installed source."""
    source = Path(litellm.__file__).parent / "proxy"
    declaration = re.compile(r'@\w+\.(?:get|post|put|delete|patch)\(\s*"([^"]+)"', re.S)
    paths = set()
    for file in source.rglob("*.py"):
        paths.update(normalized(path) for path in declaration.findall(file.read_text(errors="ignore")))
    assert len(paths) > 300, "LiteLLM's routes were not found where expected"
    return paths


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    instance = Gatehouse(tmp_path_factory.mktemp("migration"), "model_list:\n  - model_name: a\n    litellm_params:\n      model: mock/a\n")
    try:
        routes = requests.get(instance.base_url + "/routes", headers={"Authorization": f"Bearer {instance.master_key}"}, timeout=5)
        yield {normalized(route["path"]) for route in routes.json()["routes"]}
    finally:
        instance.stop()


def test_every_route_on_the_page_is_liteLLMs():
    theirs = liteLLM_routes()
    assert [route for route, _ in page_routes() if normalized(route) not in theirs] == []


def test_the_page_says_what_gatehouse_serves(served):
    named = page_routes()
    missing = [route for route, status in named if status != "not implemented" and normalized(route) not in served]
    assert missing == [], "marked same or different but not served"
    unexpected = [route for route, status in named if status == "not implemented" and normalized(route) in served]
    assert unexpected == [], "marked not implemented but served"
    on_page = {normalized(route) for route, _ in named}
    assert sorted((served & liteLLM_routes()) - on_page) == [], "served LiteLLM routes the page does not name"


def test_the_settings_tables_are_what_config_check_says(tmp_path):
    text = section("Settings")
    rows = {}
    for block in re.split(r"\n### ", text)[1:]:
        name = block.split("\n", 1)[0].strip().strip("`")
        for cells in table_rows(block):
            assert cells[1] in SETTING_STATUSES, f"unknown status {cells[1]!r} for {cells[0]}"
            rows.setdefault(name, []).append((cells[0].strip("`"), cells[1], cells[2].strip("`")))
    assert set(rows) == {"general_settings", "litellm_settings", "router_settings", "model_list[].litellm_params", "model_list[].model_info"}

    def entries(name, indent):
        return "".join(f"{indent}{key}: {example}\n" for key, _, example in rows[name])

    config = (
        "model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n"
        + entries("model_list[].litellm_params", "      ")
        + "    model_info:\n" + entries("model_list[].model_info", "      ")
        + "  - model_name: gpt-4o-mini\n    litellm_params:\n      model: mock/gpt-4o-mini\n"
        + "  - model_name: embedding\n    litellm_params:\n      model: mock/embedding\n"
        + "general_settings:\n" + entries("general_settings", "  ")
        + "litellm_settings:\n" + entries("litellm_settings", "  ")
        + "router_settings:\n" + entries("router_settings", "  ")
    )
    # `mock_response` belongs to the mock provider: its own deployment says so.
    config = config.replace("      mock_response: hello\n", "").replace(
        "      model: mock/embedding\n", "      model: mock/embedding\n      mock_response: hello\n")
    path = tmp_path / "litellm.yaml"
    path.write_text(config)
    check = subprocess.run([str(BINARY), "config", "check", str(path)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr + check.stdout
    warned = set(re.findall(r"warning: [^:]+: ([\w\[\]\d.]+):", check.stderr + check.stdout))
    prefixes = {"model_list[].litellm_params": "model_list[0].litellm_params", "model_list[].model_info": "model_list[0].model_info"}
    paths = {status: {f"{prefixes.get(name, name)}.{key}" for name, entries_ in rows.items() for key, s, _ in entries_ if s == status}
             for status in SETTING_STATUSES}
    # Every ignored key is warned about, and no implemented one.
    assert sorted(paths["ignored"] - warned) == [], "marked ignored but not warned about"
    assert sorted(paths["implemented"] & warned) == [], "marked implemented but warned about"
