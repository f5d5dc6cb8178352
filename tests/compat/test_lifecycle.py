"""Process-level behaviour: first start, config check, refusing bad config, graceful shutdown."""
import json
import os
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request

from gatehouse_process import BINARY, ROOT, Gatehouse


def post(url, key, body, timeout=30):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"authorization": f"Bearer {key}", "content-type": "application/json"}
    )
    return urllib.request.urlopen(request, timeout=timeout)


def test_first_start_generates_a_private_master_key_and_shows_it_once(tmp_path):
    first = Gatehouse(tmp_path, config_yaml=None)
    try:
        key_file = tmp_path / "gatehouse-data" / "master_key"
        key = key_file.read_text().strip()
        assert key.startswith("sk-") and len(key) >= 32
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        banner = first.stdout
        assert key in banner and "curl" in banner and "OpenAI(" in banner and "/ui" in banner
        with post(first.base_url + "/v1/chat/completions", key, {"model": "mock-gpt", "messages": [{"role": "user", "content": "hi"}]}) as r:
            assert json.load(r)["choices"][0]["message"]["content"] == "You said: hi"
        assert key not in first.stderr
        assert first.terminate() == 0, first.stderr[-4000:]
    finally:
        first.stop()

    second = Gatehouse(tmp_path, config_yaml=None)
    try:
        assert (tmp_path / "gatehouse-data" / "master_key").read_text().strip() == key
        assert key not in second.stdout and key not in second.stderr
    finally:
        second.stop()


def test_config_check_accepts_a_litellm_config_with_warnings(tmp_path):
    config = tmp_path / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: gpt-4o\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "      api_key: os.environ/OPENAI_API_KEY\n"
        "litellm_settings:\n"
        "  drop_params: true\n"
    )
    result = subprocess.run(
        [str(BINARY), "config", "check", str(config)], capture_output=True, text=True, env={**os.environ, "OPENAI_API_KEY": "sk-x"}
    )
    assert result.returncode == 0, result.stderr
    assert "litellm_settings.drop_params" in result.stdout
    assert "OK" in result.stdout


def test_config_check_names_the_bad_key(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("model_list:\n  - model_name: x\n    litellm_params:\n      model: mock/x\n      api_bsae: http://x\n")
    result = subprocess.run([str(BINARY), "config", "check", str(config)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "model_list[0].litellm_params.api_bsae" in result.stderr
    assert "api_base" in result.stderr


def test_serve_refuses_a_weak_master_key(tmp_path):
    config = tmp_path / "weak.yaml"
    config.write_text("general_settings:\n  master_key: sk-1234\n")
    result = subprocess.run(
        [str(BINARY), "serve", "--config", str(config), "--port", "0"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    assert "general_settings.master_key" in result.stderr
    assert "sk-1234" not in result.stderr


def test_sigterm_lets_a_stream_in_flight_finish_then_exits_zero(tmp_path):
    config = (
        "model_list:\n"
        "  - model_name: slow\n"
        "    litellm_params:\n"
        "      model: mock/slow\n"
        "      mock_stream_chunks: 6\n"
        "      mock_chunk_delay_ms: 200\n"
        "gatehouse_settings:\n"
        "  shutdown_grace_seconds: 10\n"
    )
    gatehouse = Gatehouse(tmp_path, config)
    received = {}

    def read_stream():
        body = {"model": "slow", "stream": True, "messages": [{"role": "user", "content": "drain me please"}]}
        with post(gatehouse.base_url + "/v1/chat/completions", gatehouse.master_key, body) as response:
            received["body"] = response.read().decode()

    reader = threading.Thread(target=read_stream)
    reader.start()
    time.sleep(0.4)
    try:
        started = time.time()
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
        reader.join(timeout=10)
        events = [line[6:] for line in received["body"].splitlines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        text = "".join(
            choice["delta"].get("content") or "" for event in events[:-1] for choice in json.loads(event)["choices"]
        )
        assert text == "You said: drain me please"
        assert time.time() - started < 10
    finally:
        gatehouse.stop()


def test_the_example_config_in_the_repository_is_valid():
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-a",
        "AZURE_API_KEY": "b",
        "ANTHROPIC_API_KEY": "c",
        "GATEHOUSE_MASTER_KEY": "sk-doc-Hq3vT9pXw2LmZr8Yc4Nd7Bf6Gk1Js5Ve0Ua",
        "INTROSPECTION_SECRET": "d",
    }
    result = subprocess.run([str(BINARY), "config", "check", str(ROOT / "examples" / "config.yaml")], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "5 deployment(s)" in result.stdout and "1 JWT issuer(s)" in result.stdout


def test_keys_survive_a_restart_and_cli_revocation_reaches_a_running_server(tmp_path):
    gatehouse = Gatehouse(tmp_path, "model_list:\n  - model_name: m\n    litellm_params: {model: mock/m}\n")
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    try:
        request = urllib.request.Request(
            gatehouse.base_url + "/key/generate", data=b'{"key_alias": "restart"}',
            headers={"authorization": f"Bearer {gatehouse.master_key}", "content-type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            key = json.load(response)["key"]
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
    finally:
        gatehouse.stop()

    config = str(tmp_path / "config.yaml")
    gatehouse = Gatehouse(tmp_path, "model_list:\n  - model_name: m\n    litellm_params: {model: mock/m}\n")
    try:
        with post(gatehouse.base_url + "/v1/chat/completions", key, body) as response:
            assert response.status == 200
        listed = subprocess.run([str(BINARY), "keys", "list", "--config", config], capture_output=True, text=True, cwd=tmp_path)
        assert "restart" in listed.stdout and key not in listed.stdout
        revoked = subprocess.run([str(BINARY), "keys", "revoke", key, "--config", config], capture_output=True, text=True, cwd=tmp_path)
        assert revoked.returncode == 0, revoked.stderr
        deadline = time.time() + 2
        status = 200
        while time.time() < deadline and status == 200:
            try:
                with post(gatehouse.base_url + "/v1/chat/completions", key, body) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            time.sleep(0.05)
        assert status == 401
    finally:
        gatehouse.stop()


def test_users_teams_and_organizations_survive_a_restart(tmp_path):
    config = "model_list:\n  - model_name: m\n    litellm_params: {model: mock/m}\n"
    gatehouse = Gatehouse(tmp_path, config)
    master = gatehouse.master_key
    try:
        with post(gatehouse.base_url + "/organization/new", master, {"organization_alias": "Acme", "models": ["m"]}) as response:
            org = json.load(response)["organization_id"]
        team = {"team_id": "search", "organization_id": org, "members_with_roles": [{"user_id": "alice", "role": "admin"}]}
        post(gatehouse.base_url + "/team/new", master, team).close()
        with post(gatehouse.base_url + "/user/new", master, {"user_id": "vic", "user_role": "proxy_admin_viewer"}) as response:
            viewer_key = json.load(response)["key"]
        with post(gatehouse.base_url + "/key/generate", master, {"team_id": "search"}) as response:
            team_key = json.load(response)["key"]
        post(gatehouse.base_url + "/team/block", master, {"team_id": "search"}).close()
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
    finally:
        gatehouse.stop()

    gatehouse = Gatehouse(tmp_path, config)
    try:
        request = urllib.request.Request(gatehouse.base_url + "/team/info?team_id=search", headers={"authorization": f"Bearer {viewer_key}"})
        with urllib.request.urlopen(request) as response:
            info = json.load(response)["team_info"]
        assert info["organization_id"] == org and info["admins"] == ["alice"] and info["blocked"] is True
        try:
            post(gatehouse.base_url + "/v1/chat/completions", team_key, {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
            raise AssertionError("a blocked team's key was accepted after a restart")
        except urllib.error.HTTPError as error:
            assert error.code == 401
    finally:
        gatehouse.stop()


def test_config_check_and_serve_refuse_an_unusable_jwt_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "jwt_issuers:\n  - issuer: https://idp.test\n    audience: gatehouse\n    algorithms: [RS256]\n"
        "    keys:\n      - pem: not-a-key\n"
    )
    checked = subprocess.run([str(BINARY), "config", "check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 2 and "jwt_issuers[0].keys[0]" in checked.stderr
    served = subprocess.run([str(BINARY), "serve", "--config", str(path), "--port", "0"], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert served.returncode != 0 and "jwt_issuers[0].keys[0]" in served.stderr
