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
