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
