"""The official Anthropic Python SDK against a live Gatehouse's /v1/messages."""
import anthropic
import pytest
from anthropic import Anthropic


@pytest.fixture()
def client(gatehouse):
    return Anthropic(base_url=gatehouse.base_url, api_key=gatehouse.master_key, max_retries=0)


def test_messages_translated_to_an_openai_format_model(client):
    message = client.messages.create(
        model="mock-gpt", max_tokens=50, system="You are a mock.", messages=[{"role": "user", "content": "Hi Claude"}]
    )
    assert message.type == "message"
    assert message.content[0].text == "You said: Hi Claude"
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens > 0


def test_streaming_messages_translated(client):
    with client.messages.stream(model="mock-gpt", max_tokens=50, messages=[{"role": "user", "content": "stream"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "You said: stream"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


def test_messages_passed_through_to_anthropic(client, fake_anthropic):
    message = client.messages.create(model="claude-test", max_tokens=20, messages=[{"role": "user", "content": "native"}])
    assert message.content[0].text == "Claude heard: native"
    sent = fake_anthropic.requests[-1]
    assert sent["body"]["model"] == "claude-test-model"
    assert sent["headers"]["x-api-key"] == "sk-ant-upstream-secret"
    assert "authorization" not in {k.lower() for k in sent["headers"]}


def test_betas_and_version_reach_anthropic(client, fake_anthropic):
    """Claude Code's extended thinking, 1M context and tool betas need the client's headers upstream."""
    message = client.beta.messages.create(
        model="claude-test", max_tokens=20, messages=[{"role": "user", "content": "beta"}],
        betas=["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"],
    )
    assert message.content[0].text == "Claude heard: beta"
    sent = {k.lower(): v for k, v in fake_anthropic.requests[-1]["headers"].items()}
    assert sent["anthropic-beta"] == "interleaved-thinking-2025-05-14,context-1m-2025-08-07"
    # The SDK's own API version, passed on (not replaced by Gatehouse's default).
    assert sent["anthropic-version"] == client.default_headers["anthropic-version"]


def test_tokens_are_counted(client, fake_anthropic):
    counted = client.messages.count_tokens(model="claude-test", messages=[{"role": "user", "content": "count"}])
    assert counted.input_tokens == 11
    assert fake_anthropic.requests[-1]["path"] == "/v1/messages/count_tokens"
    estimated = client.messages.count_tokens(model="mock-gpt", messages=[{"role": "user", "content": "count"}])
    assert estimated.input_tokens > 0


def test_streaming_messages_passed_through(client):
    with client.messages.stream(model="claude-test", max_tokens=20, messages=[{"role": "user", "content": "live"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Claude heard: live"
    assert final.usage.output_tokens == 4


def test_wrong_key_is_an_authentication_error(gatehouse):
    bad = Anthropic(base_url=gatehouse.base_url, api_key="sk-ant-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        bad.messages.create(model="mock-gpt", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["type"] == "authentication_error"


def test_claude_codes_requests_as_it_sends_them(gatehouse, fake_anthropic):
    """The recipe in docs/anthropic.md: Claude Code with ANTHROPIC_BASE_URL and a Gatehouse key as
    ANTHROPIC_AUTH_TOKEN. Claude Code is a Node program (not installable here): its request is
    replayed with the headers, query and body shape it sends."""
    import requests

    master = {"Authorization": f"Bearer {gatehouse.master_key}"}
    key = requests.post(gatehouse.base_url + "/key/generate", json={"models": ["claude-test"]}, headers=master, timeout=5).json()["key"]
    headers = {
        "Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01", "x-app": "cli",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14",
        "user-agent": "claude-cli/2.0.0 (external, cli)", "anthropic-dangerous-direct-browser-access": "true",
        "x-stainless-lang": "js", "x-stainless-retry-count": "0",
    }
    body = {
        "model": "claude-test", "max_tokens": 32000, "stream": True, "temperature": 1,
        "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "list files", "cache_control": {"type": "ephemeral"}}]}],
        "tools": [{"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}],
        "metadata": {"user_id": "user_0123_account__session_abcd"},
    }
    counted = requests.post(gatehouse.base_url + "/v1/messages/count_tokens?beta=true", json={k: body[k] for k in ("model", "messages", "system", "tools")}, headers=headers, timeout=10)
    assert counted.status_code == 200 and counted.json()["input_tokens"] == 11
    answer = requests.post(gatehouse.base_url + "/v1/messages?beta=true", json=body, headers=headers, timeout=10, stream=True)
    events = [line for line in answer.iter_lines() if line.startswith(b"event: ")]
    assert answer.status_code == 200 and events[0] == b"event: message_start" and events[-1] == b"event: message_stop"
    sent = fake_anthropic.requests[-1]
    upstream_headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert upstream_headers["anthropic-beta"] == headers["anthropic-beta"] and upstream_headers["x-api-key"] == "sk-ant-upstream-secret"
    assert "authorization" not in upstream_headers and key not in str(sent)
    assert sent["body"]["tools"] == body["tools"] and sent["body"]["system"] == body["system"]
    assert sent["body"]["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    # The key is held to its models: Claude Code's small fast model must be one of them too.
    refused = requests.post(gatehouse.base_url + "/v1/messages?beta=true", json={**body, "model": "mock-gpt", "stream": False}, headers=headers, timeout=10)
    assert refused.status_code == 403
