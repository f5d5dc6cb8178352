"""LiteLLM's own configuration, SDK and proxy client against a live Gatehouse: what a team moving
from LiteLLM's proxy keeps using unchanged."""
import os
import time
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: LiteLLM must not fetch its price list
import litellm  # noqa: E402
from litellm.proxy.client import Client  # noqa: E402

from fake_openai import FakeOpenAI  # noqa: E402
from gatehouse_process import BINARY, Gatehouse  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "litellm_proxy_server_config.yaml"
LITELLM_MASTER_KEY = "sk-1234"  # what LiteLLM's configuration says; accepted with allow_weak_master_key


def fixture_environment(upstream):
    return {
        "AZURE_API_KEY": "azure-test-key", "OPENAI_API_KEY": "openai-test-key", "ANTHROPIC_API_KEY": "anthropic-test-key",
        "GROQ_API_KEY": "groq-test-key", "LITELLM_TEST_UPSTREAM": upstream.base_url,
    }


@pytest.fixture(scope="module")
def upstream():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def liteLLM_configured(tmp_path_factory, upstream):
    """Gatehouse serving LiteLLM's own proxy configuration, unchanged but for the test upstream."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in fixture_environment(upstream).items():
            patch.setenv(name, value)
        instance = Gatehouse(tmp_path_factory.mktemp("litellm-config"), FIXTURE.read_text(), master_key=None)
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def wildcard(tmp_path_factory, upstream):
    config = f"""
model_list:
  - model_name: "*"
    litellm_params:
      model: openai/*
      api_base: {upstream.base_url}
      api_key: sk-upstream-wildcard-secret
  - model_name: tuned
    litellm_params:
      model: openai/tuned-upstream
      api_base: {upstream.base_url}
      reasoning_effort: low
      temperature: 0.25
"""
    instance = Gatehouse(tmp_path_factory.mktemp("wildcard"), config)
    yield instance
    instance.stop()


def test_liteLLMs_own_proxy_configuration_passes_config_check(upstream):
    result = subprocess.run(
        [str(BINARY), "config", "check", str(FIXTURE)], capture_output=True, text=True,
        env={**os.environ, **fixture_environment(upstream)},
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "provider `sagemaker` is not supported" in output
    assert "mock_timeout" in output


def test_the_weak_master_key_is_refused_without_the_option(tmp_path, upstream):
    config = tmp_path / "config.yaml"
    config.write_text(FIXTURE.read_text().replace("gatehouse_settings:\n  allow_weak_master_key: true\n", ""))
    result = subprocess.run(
        [str(BINARY), "config", "check", str(config)], capture_output=True, text=True,
        env={**os.environ, **fixture_environment(upstream)},
    )
    assert result.returncode != 0
    assert "allow_weak_master_key" in result.stdout + result.stderr


def test_liteLLM_sdk_completion_through_its_own_configuration(liteLLM_configured, upstream):
    response = litellm.completion(
        model="litellm_proxy/fake-openai-endpoint", api_base=liteLLM_configured.base_url, api_key=LITELLM_MASTER_KEY,
        messages=[{"role": "user", "content": "hello"}],
    )
    assert response.choices[0].message.content == "upstream fake heard: hello"
    assert response.usage.total_tokens == 14
    assert upstream.requests[-1]["headers"]["authorization"] == "Bearer fake-key"


def test_liteLLM_sdk_streams(liteLLM_configured, upstream):
    chunks = litellm.completion(
        model="litellm_proxy/fake-openai-endpoint", api_base=liteLLM_configured.base_url, api_key=LITELLM_MASTER_KEY,
        messages=[{"role": "user", "content": "streamed"}], stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "upstream fake heard: streamed"


def test_liteLLM_sdk_reaches_a_model_group_alias(liteLLM_configured, upstream):
    # (Not streamed: LiteLLM's configuration gives this group `stream_timeout: 0.001`.)
    response = litellm.completion(
        model="litellm_proxy/my-special-fake-model-alias-name", api_base=liteLLM_configured.base_url, api_key=LITELLM_MASTER_KEY,
        messages=[{"role": "user", "content": "aliased"}],
    )
    assert response.choices[0].message.content.endswith("heard: aliased")
    # The alias names the group `fake-openai-endpoint-3`, whose two deployments ask for these models.
    assert upstream.requests[-1]["body"]["model"] in ("my-fake-model", "my-fake-model-2")


def test_the_proxy_client_lists_models_without_patterns(liteLLM_configured):
    client = Client(base_url=liteLLM_configured.base_url, api_key=LITELLM_MASTER_KEY)
    names = [model["id"] for model in client.models.list()]
    assert "fake-openai-endpoint" in names and "my-special-fake-model-alias-name" in names
    assert "sagemaker-completion-model" not in names
    assert not [name for name in names if "*" in name]
    # The patterns `*` and `anthropic/*` reach OpenAI's and Anthropic's own APIs: their known models are listed.
    assert "gpt-4o" in names and "anthropic/claude-sonnet-4-0" in names


def test_a_pattern_forwards_the_model_asked_for(wildcard, upstream):
    response = litellm.completion(
        model="litellm_proxy/gpt-4o-mini", api_base=wildcard.base_url, api_key=wildcard.master_key,
        messages=[{"role": "user", "content": "hi"}],
    )
    assert response.choices[0].message.content == "upstream gpt-4o-mini heard: hi"
    assert upstream.requests[-1]["body"]["model"] == "gpt-4o-mini"


def test_a_key_limited_to_a_pattern(wildcard, upstream):
    client = Client(base_url=wildcard.base_url, api_key=wildcard.master_key)
    key = client.keys.generate(models=["gpt-4o*"])["key"]
    allowed = litellm.completion(
        model="litellm_proxy/gpt-4o-2024-08-06", api_base=wildcard.base_url, api_key=key, messages=[{"role": "user", "content": "a"}],
    )
    assert allowed.choices[0].message.content.endswith("heard: a")
    with pytest.raises(litellm.exceptions.APIError) as refused:
        litellm.completion(
            model="litellm_proxy/o4-mini", api_base=wildcard.base_url, api_key=key, messages=[{"role": "user", "content": "b"}],
            num_retries=0,
        )
    assert "o4-mini" in str(refused.value)


def test_deployment_parameters_are_sent_as_defaults(wildcard, upstream):
    litellm.completion(
        model="litellm_proxy/tuned", api_base=wildcard.base_url, api_key=wildcard.master_key, messages=[{"role": "user", "content": "x"}],
    )
    body = upstream.requests[-1]["body"]
    assert body["model"] == "tuned-upstream" and body["reasoning_effort"] == "low" and body["temperature"] == 0.25
    litellm.completion(
        model="litellm_proxy/tuned", api_base=wildcard.base_url, api_key=wildcard.master_key, messages=[{"role": "user", "content": "y"}],
        temperature=0.75,
    )
    assert upstream.requests[-1]["body"]["temperature"] == 0.75


def test_readiness_says_the_store_is_connected(liteLLM_configured):
    import requests

    ready = requests.get(liteLLM_configured.base_url + "/health/readiness", timeout=5)
    assert ready.status_code == 200 and ready.json() == {"status": "healthy", "db": "connected"}
    details = requests.get(
        liteLLM_configured.base_url + "/health/readiness/details", headers={"Authorization": f"Bearer {LITELLM_MASTER_KEY}"}, timeout=5
    )
    assert details.json()["litellm_version"] and details.json()["db"] == "connected"


def test_the_proxy_client_reads_model_and_group_information(liteLLM_configured):
    client = Client(base_url=liteLLM_configured.base_url, api_key=LITELLM_MASTER_KEY)
    models = client.models.info()
    bad = client.models.get(model_id=next(m["model_info"]["id"] for m in models if m["model_name"] == "bad-model"))
    assert bad["litellm_params"]["model"] == "openai/bad-model" and bad["litellm_params"]["timeout"] == 60
    assert bad["model_info"]["health_check_timeout"] == 1
    assert client.models.get(model_name="gpt-3.5-turbo-end-user-test")["model_info"]["id"] in ("1", "1-gpt-3.5-turbo-end-user-test")
    # Upstream keys never leave Gatehouse, whoever asks.
    assert not [m for m in models if "api_key" in m["litellm_params"]]
    assert "azure-test-key" not in str(models) and "my-fake-key" not in str(models)
    groups = {group["model_group"]: group for group in client.model_groups.info()}
    assert groups["fake-openai-endpoint-3"]["providers"] == ["openai"] and groups["fake-openai-endpoint-3"]["rpm"] == 2000
    assert groups["gpt-3.5-turbo-end-user-test"]["providers"] == ["openai", "azure"]


def test_liteLLMs_tools_find_a_response_by_its_id_and_delete_keys_by_alias(wildcard, upstream):
    import requests

    client = Client(base_url=wildcard.base_url, api_key=wildcard.master_key)
    generated = client.keys.generate(key_alias="py-bot")
    assert generated["token_id"] == generated["token"]
    response = litellm.completion(
        model="litellm_proxy/tuned", api_base=wildcard.base_url, api_key=generated["key"], messages=[{"role": "user", "content": "z"}],
    )
    rows = []
    for _ in range(100):
        rows = requests.get(
            wildcard.base_url + "/spend/logs", params={"request_id": response.id}, headers={"Authorization": f"Bearer {wildcard.master_key}"},
            timeout=5,
        ).json()
        if rows:
            break
        time.sleep(0.05)
    assert len(rows) == 1 and rows[0]["request_id"] == response.id and rows[0]["status"] == "success"
    assert rows[0]["metadata"]["user_api_key"] == generated["token"] and rows[0]["metadata"]["user_api_key_alias"] == "py-bot"

    client.keys.delete(key_aliases=["py-bot"])
    with pytest.raises(litellm.exceptions.AuthenticationError):
        litellm.completion(
            model="litellm_proxy/tuned", api_base=wildcard.base_url, api_key=generated["key"], messages=[{"role": "user", "content": "z"}],
            num_retries=0,
        )


def test_operations_routes_as_liteLLMs_users_call_them(liteLLM_configured):
    import datetime

    import requests

    base, master = liteLLM_configured.base_url, {"Authorization": f"Bearer {LITELLM_MASTER_KEY}"}
    # LiteLLM's UI signs the master key in as `admin` with a form post.
    browser = requests.Session()
    signed_in = browser.post(base + "/login", data={"username": "admin", "password": LITELLM_MASTER_KEY}, timeout=5)
    assert signed_in.status_code == 200 and signed_in.json()["user_role"] == "proxy_admin"
    assert browser.get(base + "/key/list", timeout=5).status_code == 200

    health = requests.get(base + "/health", headers=master, timeout=60).json()
    checked = {entry["model_name"] for entry in health["healthy_endpoints"] + health["unhealthy_endpoints"]}
    assert "fake-openai-endpoint" in checked and health["healthy_count"] >= 1
    assert "azure-test-key" not in str(health) and "fake-key" not in str(health)

    paths = {route["path"] for route in requests.get(base + "/routes", headers=master, timeout=5).json()["routes"]}
    assert {"/chat/completions", "/v1/chat/completions", "/key/generate", "/health/readiness"} <= paths

    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    report = requests.get(base + "/global/spend/report", params={"start_date": today, "end_date": today}, headers=master, timeout=5)
    assert report.status_code == 200 and isinstance(report.json(), list)


def test_liteLLM_sdk_responses(wildcard, upstream):
    response = litellm.responses(
        model="litellm_proxy/tuned", input="respond please", api_base=wildcard.base_url, api_key=wildcard.master_key, max_output_tokens=40,
    )
    assert response.output[0].content[0].text == "upstream tuned-upstream heard: respond please"
    # Asked as chat completions upstream, with the deployment's defaults and the translated limit.
    body = upstream.requests[-1]["body"]
    assert upstream.requests[-1]["path"].endswith("/chat/completions") and body["max_tokens"] == 40 and body["temperature"] == 0.25
    # LiteLLM's SDK called Gatehouse's /v1/responses: the spend row carries a Responses id.
    import requests

    for _ in range(100):
        rows = requests.get(wildcard.base_url + "/spend/logs", headers={"Authorization": f"Bearer {wildcard.master_key}"}, timeout=5).json()
        if rows and rows[0]["request_id"].startswith("resp_"):
            break
        time.sleep(0.05)
    assert rows[0]["request_id"].startswith("resp_")


def test_the_proxy_clients_team_and_user_pages(wildcard):
    import requests

    client = Client(base_url=wildcard.base_url, api_key=wildcard.master_key)
    master = {"Authorization": f"Bearer {wildcard.master_key}"}
    for index in range(3):
        requests.post(wildcard.base_url + "/team/new", json={"team_id": f"squad-{index}", "team_alias": f"Squad {index}"}, headers=master, timeout=5)
    page = client.teams.list_v2(team_alias="squad", page=2, page_size=2, sort_by="team_id", sort_order="desc")
    assert page["total"] == 3 and page["total_pages"] == 2 and [team["team_id"] for team in page["teams"]] == ["squad-0"]
    assert client.teams.get_available() == []
    # The CLI's users client (not on `Client`).
    from litellm.proxy.client.users import UsersManagementClient

    users = UsersManagementClient(wildcard.base_url, wildcard.master_key)
    users.create_user({"user_id": "pat", "user_email": "pat@example.com", "auto_create_key": False})
    assert users.get_user_v2("pat")["user_email"] == "pat@example.com"


def test_liteLLM_sdk_requests_for_a_customer_are_held_to_its_budget_and_block(wildcard, upstream):
    import requests

    base, master = wildcard.base_url, {"Authorization": f"Bearer {wildcard.master_key}"}
    created = requests.post(
        base + "/customer/new", json={"user_id": "py-customer", "max_budget": 0.0, "alias": "Py"}, headers=master, timeout=5
    ).json()
    assert created["litellm_budget_table"]["max_budget"] == 0.0 and created["budget_id"]

    def ask(user):
        return litellm.completion(
            model="litellm_proxy/tuned", api_base=base, api_key=wildcard.master_key, messages=[{"role": "user", "content": "z"}],
            user=user, num_retries=0,
        )

    with pytest.raises(litellm.exceptions.BadRequestError) as refused:
        ask("py-customer")
    assert "Budget has been exceeded! Customer=py-customer" in str(refused.value)
    assert ask("someone-else").choices[0].message.content

    requests.post(base + "/customer/update", json={"user_id": "py-customer", "max_budget": 5}, headers=master, timeout=5)
    assert ask("py-customer").choices[0].message.content
    requests.post(base + "/customer/block", json={"user_ids": ["py-customer"]}, headers=master, timeout=5)
    with pytest.raises(litellm.exceptions.APIError) as blocked:
        ask("py-customer")
    assert "End User=py-customer is blocked" in str(blocked.value)
    listed = requests.get(base + "/customer/list", params={"search": "py-"}, headers=master, timeout=5).json()
    assert [customer["user_id"] for customer in listed] == ["py-customer"] and listed[0]["blocked"] is True


def test_liteLLM_sdk_speech_and_transcription(tmp_path):
    config = """
model_list:
  - model_name: voice
    litellm_params: {model: mock/voice, input_cost_per_character: 0.001}
  - model_name: ears
    litellm_params: {model: mock/ears, input_cost_per_second: 0.01}
"""
    instance = Gatehouse(tmp_path, config)
    try:
        spoken = litellm.speech(model="litellm_proxy/voice", input="hello", voice="alloy", api_base=instance.base_url, api_key=instance.master_key)
        assert spoken.content == b"MOCK-AUDIO:hello"
        recording = tmp_path / "a.wav"
        recording.write_bytes(bytes(48_000))
        with recording.open("rb") as audio:
            heard = litellm.transcription(model="litellm_proxy/ears", file=audio, api_base=instance.base_url, api_key=instance.master_key)
        assert heard.text == "mock transcript of 48000 bytes"
    finally:
        instance.stop()


def test_the_proxy_client_manages_models_in_the_database(wildcard, upstream):
    client = Client(base_url=wildcard.base_url, api_key=wildcard.master_key)
    created = client.models.new(
        model_name="db-model", model_params={"model": "openai/db-upstream", "api_base": upstream.base_url, "api_key": "sk-db-model-secret-42"},
        model_info={"id": "db-1"},
    )
    assert created["model_id"] == "db-1"
    answer = litellm.completion(
        model="litellm_proxy/db-model", api_base=wildcard.base_url, api_key=wildcard.master_key, messages=[{"role": "user", "content": "db"}],
    )
    assert answer.choices[0].message.content == "upstream db-upstream heard: db"
    assert upstream.requests[-1]["headers"].get("authorization") == "Bearer sk-db-model-secret-42"
    found = client.models.get(model_id="db-1")
    assert found["model_info"]["db_model"] is True and "sk-db-model-secret-42" not in str(client.models.info())
    client.models.update(model_id="db-1", model_params={"model": "openai/db-renamed"})
    litellm.completion(
        model="litellm_proxy/db-model", api_base=wildcard.base_url, api_key=wildcard.master_key, messages=[{"role": "user", "content": "db"}],
    )
    assert upstream.requests[-1]["body"]["model"] == "db-renamed"
    client.models.delete(model_id="db-1")
    with pytest.raises(Exception):
        client.models.get(model_id="db-1")
