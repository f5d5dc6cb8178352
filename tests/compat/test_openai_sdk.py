"""The official OpenAI Python SDK against a live Gatehouse, unmodified but for base URL and key."""
import openai
import pytest
from openai import OpenAI


@pytest.fixture()
def client(gatehouse):
    return OpenAI(base_url=gatehouse.base_url + "/v1", api_key=gatehouse.master_key, max_retries=0)


def test_chat_completion(client):
    completion = client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "Hello SDK"}])
    assert completion.choices[0].message.content == "You said: Hello SDK"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens > 0


def test_streaming_chat_completion(client):
    stream = client.chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "stream me"}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You said: stream me"
    assert all(c.usage is None for c in chunks)


def test_streaming_usage_when_asked(client):
    stream = client.chat.completions.create(
        model="mock-gpt",
        messages=[{"role": "user", "content": "count"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == chunks[-1].usage.prompt_tokens + chunks[-1].usage.completion_tokens


def test_embeddings(client):
    result = client.embeddings.create(model="mock-gpt", input=["one", "two"])
    assert len(result.data) == 2
    assert len(result.data[0].embedding) == 8
    assert result.data[0].embedding != result.data[1].embedding


def test_models(client):
    ids = [model.id for model in client.models.list()]
    assert ids == ["claude-test", "mock-gpt"]
    assert client.models.retrieve("mock-gpt").id == "mock-gpt"


def test_chat_through_an_anthropic_deployment(client, fake_anthropic):
    completion = client.chat.completions.create(
        model="claude-test",
        messages=[{"role": "system", "content": "Be terse."}, {"role": "user", "content": "ping"}],
    )
    assert completion.choices[0].message.content == "Claude heard: ping"
    assert completion.usage.prompt_tokens == 11
    sent = fake_anthropic.requests[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["body"]["system"] == "Be terse."
    assert sent["headers"]["x-api-key"] == "sk-ant-upstream-secret"


def test_streaming_chat_through_an_anthropic_deployment(client):
    stream = client.chat.completions.create(
        model="claude-test", messages=[{"role": "user", "content": "pong"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Claude heard: pong"


def test_wrong_key_is_an_authentication_error(gatehouse):
    bad = OpenAI(base_url=gatehouse.base_url + "/v1", api_key="sk-not-the-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 401
    assert caught.value.body["type"] == "authentication_error"


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["code"] == "model_not_found"


def test_redirecting_the_upstream_is_a_bad_request(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": "x"}], extra_body={"api_base": "http://evil"}
        )
    assert caught.value.body["param"] == "api_base"


def test_the_azure_client_reaches_a_model_by_deployment(gatehouse):
    azure = openai.AzureOpenAI(
        azure_endpoint=gatehouse.base_url, api_key=gatehouse.master_key, api_version="2024-10-21", azure_deployment="mock-gpt", max_retries=0,
    )
    completion = azure.chat.completions.create(model="ignored-by-azure", messages=[{"role": "user", "content": "azure hello"}])
    assert completion.choices[0].message.content == "You said: azure hello"
    vectors = azure.embeddings.create(model="ignored-by-azure", input="azure")
    assert len(vectors.data[0].embedding) > 0


def test_several_models_in_one_request(client):
    # LiteLLM's comma-separated models: the answer is a list, which the SDK cannot parse; read it raw.
    raw = client.chat.completions.with_raw_response.create(model="mock-gpt,claude-test", messages=[{"role": "user", "content": "both"}])
    answers = raw.http_response.json()
    assert [answer["model"] for answer in answers] == ["mock-gpt", "claude-test"]
    assert answers[1]["choices"][0]["message"]["content"]


def test_responses_api(client):
    response = client.responses.create(model="mock-gpt", input="hello responses", instructions="Be brief.", max_output_tokens=50)
    assert response.id.startswith("resp_") and response.status == "completed" and response.model == "mock-gpt"
    assert response.output_text == "You said: hello responses"
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.instructions == "Be brief." and response.max_output_tokens == 50

    # Kept for retrieval and for the next turn.
    assert client.responses.retrieve(response.id).output_text == response.output_text
    items = client.responses.input_items.list(response.id)
    assert [item.content[0].text for item in items.data] == ["hello responses"] and items.data[0].role == "user"
    follow_up = client.responses.create(model="mock-gpt", input="and again", previous_response_id=response.id)
    assert follow_up.output_text == "You said: and again" and follow_up.previous_response_id == response.id

    client.responses.delete(response.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="mock-gpt", input="x", previous_response_id=response.id)


def test_responses_api_streams(client):
    events = list(client.responses.create(model="mock-gpt", input=[{"role": "user", "content": "streamed words"}], stream=True))
    kinds = [event.type for event in events]
    assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"
    assert "".join(event.delta for event in events if event.type == "response.output_text.delta") == "You said: streamed words"
    completed = events[-1].response
    assert completed.output_text == "You said: streamed words" and completed.usage.total_tokens > 0
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert client.responses.retrieve(completed.id).output_text == "You said: streamed words"


def test_responses_api_through_an_anthropic_deployment(client, fake_anthropic):
    response = client.responses.create(model="claude-test", input="hi claude")
    assert response.output_text and response.status == "completed"
    assert fake_anthropic.requests[-1]["body"]["messages"][-1]["content"] in ("hi claude", [{"type": "text", "text": "hi claude"}])


def test_responses_api_refuses_what_it_cannot_translate(client):
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="mock-gpt", input="x", tools=[{"type": "web_search"}])
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="mock-gpt", input="x", background=True)
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="mock-gpt", input="x", max_output_tokens=0)


def test_moderations_and_images(client):
    moderation = client.moderations.create(model="mock-gpt", input="a friendly sentence")
    assert moderation.results[0].flagged is False
    images = client.images.generate(model="mock-gpt", prompt="a lighthouse at dusk", n=2)
    assert len(images.data) == 2 and images.data[0].url.startswith("https://")


def test_audio_speech_and_transcriptions(client, gatehouse, tmp_path):
    speech = client.audio.speech.create(model="mock-gpt", voice="alloy", input="read this aloud")
    assert speech.content == b"MOCK-AUDIO:read this aloud"
    recording = tmp_path / "recording.wav"
    recording.write_bytes(b"RIFF" + bytes(32_000))
    with recording.open("rb") as audio:
        transcript = client.audio.transcriptions.create(model="mock-gpt", file=audio, language="en")
    assert transcript.text == "mock transcript of 32004 bytes"
    with recording.open("rb") as audio:
        text = client.audio.transcriptions.create(model="mock-gpt", file=audio, response_format="text")
    assert "mock transcript" in text
    # The Azure client sends the deployment in the path.
    from openai import AzureOpenAI

    azure = AzureOpenAI(
        azure_endpoint=gatehouse.base_url, api_key=gatehouse.master_key, api_version="2024-10-21", azure_deployment="mock-gpt", max_retries=0,
    )
    with recording.open("rb") as audio:
        assert azure.audio.transcriptions.create(model="mock-gpt", file=audio).text.startswith("mock transcript")
