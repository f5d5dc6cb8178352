"""What a running Gatehouse tells its operator: JSON logs on stderr, one JSON access line per
request and the audit stream on stdout — with ids, never credentials."""
import json
import urllib.error
import urllib.request

from openai import OpenAI

from gatehouse_process import Gatehouse

CONFIG = (
    "model_list:\n"
    "  - model_name: priced\n"
    "    litellm_params:\n"
    "      model: mock/priced\n"
    "      mock_completion_tokens: 10\n"
    "      mock_prompt_tokens: 7\n"
    "      input_cost_per_token: 0\n"
    "      output_cost_per_token: 0.001\n"
    "gatehouse_settings:\n"
    "  log_format: json\n"
    "  log_destination: {log_file}\n"
    "  log_level: debug\n"
    "  access_log: stdout\n"
    "  audit_streams: [stdout]\n"
    "  audit_flush_interval_seconds: 0.05\n"
)


def post(gatehouse, path, key, body):
    request = urllib.request.Request(
        gatehouse.base_url + path, data=json.dumps(body).encode(),
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_json_logs_access_lines_and_audit_stream_hold_ids_not_credentials(tmp_path):
    log_file = tmp_path / "gatehouse.log"
    gatehouse = Gatehouse(tmp_path, CONFIG.format(log_file=log_file))
    try:
        status, created = post(gatehouse, "/key/generate", gatehouse.master_key,
                               {"key_alias": "sdk", "metadata": {"webhook_secret": "whsec-do-not-log-me"}})
        assert status == 200
        key, key_id = created["key"], created["token"]
        client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key)
        client.chat.completions.create(model="priced", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        chunks = list(client.chat.completions.create(
            model="priced", max_tokens=10, stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "stream"}]))
        assert chunks
        wrong = "sk-" + "W" * 49
        assert post(gatehouse, "/v1/chat/completions", wrong, {"model": "priced", "messages": []})[0] == 401
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
    finally:
        gatehouse.stop()

    stdout = [json.loads(line) for line in gatehouse.stdout.splitlines() if line.startswith("{")]
    access = [line for line in stdout if line["type"] == "access"]
    audit = [line for line in stdout if line["type"] == "audit"]
    chats = [line for line in access if line["route"] == "/v1/chat/completions"]
    assert [line["status"] for line in chats] == [200, 200, 401]
    for line in chats[:2]:
        assert line["principal"] == key_id and line["auth_method"] == "api_key" and line["model"] == "priced"
        assert line["prompt_tokens"] == 7 and line["completion_tokens"] == 10 and line["cost"] == "0.01"
        assert line["request_id"] and line["address"] == "127.0.0.1" and line["duration_ms"] >= 0
    assert [line["stream"] for line in chats[:2]] == [False, True]
    assert "principal" not in chats[2] and "model" not in chats[2]
    assert any(line["route"] == "/key/generate" and line["principal"] == "master" for line in access)
    assert [line["action"] for line in audit] == ["key.generate", "auth.failure"]
    assert audit[0]["details"]["request"]["metadata"]["webhook_secret"] == "****"

    # The log went to its file; stderr has nothing of it.
    assert "listening" not in gatehouse.stderr
    logs = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert logs and all({"time", "level", "label", "message"} <= set(line) for line in logs)
    assert any("listening" in line["message"] for line in logs)
    for secret in [key, wrong, gatehouse.master_key, "whsec-do-not-log-me"]:
        assert secret not in gatehouse.stdout and secret not in gatehouse.stderr and secret not in log_file.read_text()
