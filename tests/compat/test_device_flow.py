"""The device authorization grant (RFC 8628), refresh-token rotation and `gatehouse login`,
from the client's side: oauthlib builds the token requests, `requests` plays the person's
browser at /device, the official OpenAI SDK uses the tokens."""
import os
import re
import stat
import subprocess
import time

import pytest
import requests
from oauthlib.oauth2 import DeviceClient
from openai import OpenAI, AuthenticationError, PermissionDeniedError

from gatehouse_process import BINARY, Gatehouse

CONFIG = """
model_list:
  - model_name: mock-gpt
    litellm_params: {model: mock/mock-gpt, input_cost_per_token: 0.000001, output_cost_per_token: 0.000001}
  - model_name: other-model
    litellm_params: {model: mock/other-model}
"""
CLIENT_ID = "gatehouse-cli"
PASSWORD = "a long enough password 42"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    instance = Gatehouse(tmp_path_factory.mktemp("device"), CONFIG)
    master = {"Authorization": f"Bearer {instance.master_key}"}
    for user in ["dana", "erin", "<img src=x onerror=alert(1)>"]:
        created = requests.post(
            instance.base_url + "/user/new", json={"user_id": user, "password": PASSWORD, "models": ["mock-gpt"], "auto_create_key": False},
            headers=master, timeout=5,
        )
        assert created.status_code == 200, created.text
    yield instance
    instance.stop()


def start(gatehouse):
    answer = requests.post(gatehouse.base_url + "/oauth/device_authorization", data={"client_id": CLIENT_ID}, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def poll(gatehouse, device_code):
    # A public client names itself (RFC 6749 §3.2.1).
    body = DeviceClient(CLIENT_ID).prepare_request_body(device_code, include_client_id=True)
    return requests.post(
        gatehouse.base_url + "/oauth/token", data=body, headers={"content-type": "application/x-www-form-urlencoded"}, timeout=5
    )


def browser(gatehouse, user="dana", password=PASSWORD, user_code=""):
    """A signed-in browser at /device, and the page's CSRF token."""
    session = requests.Session()
    signed_in = session.post(gatehouse.base_url + "/device/login", data={"username": user, "password": password, "user_code": user_code}, timeout=5)
    assert signed_in.status_code == 200 and signed_in.url.startswith(gatehouse.base_url + "/device"), signed_in.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', signed_in.text)
    return session, token.group(1) if token else None, signed_in


def decide(gatehouse, user_code, action="approve", user="dana"):
    session, csrf, _ = browser(gatehouse, user=user, user_code=user_code)
    return session.post(gatehouse.base_url + "/device", data={"csrf_token": csrf, "user_code": user_code, "action": action}, timeout=5)


def test_the_metadata_offers_the_device_flow(gatehouse):
    metadata = requests.get(gatehouse.base_url + "/.well-known/oauth-authorization-server", timeout=5).json()
    assert metadata["device_authorization_endpoint"] == gatehouse.base_url + "/oauth/device_authorization"
    assert {DEVICE_GRANT, "refresh_token", "client_credentials"} <= set(metadata["grant_types_supported"])
    assert "implicit" not in str(metadata) and "password" not in metadata["grant_types_supported"]


def test_a_person_approves_and_the_device_acts_as_them(gatehouse):
    started = start(gatehouse)
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", started["user_code"])
    assert started["verification_uri"] == gatehouse.base_url + "/device" and started["interval"] == 5
    assert poll(gatehouse, started["device_code"]).json()["error"] == "authorization_pending"
    # Asking again at once is too fast: slow down, by five more seconds (RFC 8628 §3.5).
    too_fast = poll(gatehouse, started["device_code"])
    assert too_fast.status_code == 400 and too_fast.json()["error"] == "slow_down"

    second = start(gatehouse)
    assert decide(gatehouse, second["user_code"].lower().replace("-", " ")).status_code == 200  # typed loosely
    tokens = poll(gatehouse, second["device_code"]).json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"].startswith("ghr_")
    # A device code gives its tokens once.
    time.sleep(5)
    assert poll(gatehouse, second["device_code"]).json()["error"] == "invalid_grant"

    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=tokens["access_token"], max_retries=0)
    answer = client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "as dana"}], user="dana-app")
    assert answer.choices[0].message.content == "You said: as dana"
    # Dana's own model list holds for her token.
    with pytest.raises(PermissionDeniedError):
        client.chat.completions.create(model="other-model", messages=[{"role": "user", "content": "x"}])
    # The spend lands on the person.
    master = {"Authorization": f"Bearer {gatehouse.master_key}"}
    for _ in range(100):
        rows = requests.get(gatehouse.base_url + "/spend/logs", params={"user_id": "dana"}, headers=master, timeout=5).json()
        if rows:
            break
        time.sleep(0.05)
    assert rows and rows[0]["user"] == "dana" and rows[0]["spend"] > 0


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_grant(gatehouse):
    started = start(gatehouse)
    decide(gatehouse, started["user_code"])
    first = poll(gatehouse, started["device_code"]).json()
    refresh_body = DeviceClient(CLIENT_ID).prepare_refresh_body(refresh_token=first["refresh_token"], client_id=CLIENT_ID)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    second = requests.post(gatehouse.base_url + "/oauth/token", data=refresh_body, headers=headers, timeout=5).json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    models = requests.get(gatehouse.base_url + "/v1/models", headers={"Authorization": f"Bearer {second['access_token']}"}, timeout=5)
    assert models.status_code == 200

    # The first refresh token again: someone else has it. The whole family ends.
    reused = requests.post(gatehouse.base_url + "/oauth/token", data=refresh_body, headers=headers, timeout=5)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    after = requests.get(gatehouse.base_url + "/v1/models", headers={"Authorization": f"Bearer {second['access_token']}"}, timeout=5)
    assert after.status_code == 401
    newest = DeviceClient(CLIENT_ID).prepare_refresh_body(refresh_token=second["refresh_token"], client_id=CLIENT_ID)
    assert requests.post(gatehouse.base_url + "/oauth/token", data=newest, headers=headers, timeout=5).json()["error"] == "invalid_grant"
    master = {"Authorization": f"Bearer {gatehouse.master_key}"}
    reuse = requests.get(gatehouse.base_url + "/audit", params={"action": "token.reuse"}, headers=master, timeout=5).json()["records"]
    assert reuse and reuse[0]["object"] == "user:dana"


def test_a_denied_or_guessed_code_gets_nothing(gatehouse):
    started = start(gatehouse)
    assert decide(gatehouse, started["user_code"], action="deny").status_code == 200
    assert poll(gatehouse, started["device_code"]).json()["error"] == "access_denied"
    # Guessing codes at /device is locked out like guessing passwords.
    session, csrf, _ = browser(gatehouse)
    statuses = [
        session.post(gatehouse.base_url + "/device", data={"csrf_token": csrf, "user_code": "BBBB-BBBB", "action": "approve"}, timeout=5).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 400 and 429 in statuses
    # Without the page's CSRF token, or from another site, nothing is approved.
    other = start(gatehouse)
    assert session.post(gatehouse.base_url + "/device", data={"user_code": other["user_code"], "action": "approve"}, timeout=5).status_code == 403
    cross = session.post(
        gatehouse.base_url + "/device", data={"csrf_token": csrf, "user_code": other["user_code"], "action": "approve"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, timeout=5,
    )
    assert cross.status_code == 403
    assert poll(gatehouse, other["device_code"]).json()["error"] == "authorization_pending"
    # Another client id, or a confidential client, cannot poll or start one.
    assert requests.post(gatehouse.base_url + "/oauth/token", data={"grant_type": DEVICE_GRANT, "device_code": other["device_code"], "client_id": "x"}, timeout=5).status_code == 401


def test_the_page_is_safe(gatehouse):
    page = requests.get(gatehouse.base_url + "/device", params={"user_code": "<script>alert(1)</script>"}, timeout=5)
    assert page.status_code == 200 and "<script>" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"] and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["cache-control"] == "no-store"
    _, _, signed_in = browser(gatehouse, user="<img src=x onerror=alert(1)>")
    assert "<img src=x" not in signed_in.text and "&lt;img src=x onerror=alert(1)&gt;" in signed_in.text
    wrong = requests.post(gatehouse.base_url + "/device/login", data={"username": "dana", "password": "wrong password!!"}, timeout=5)
    assert wrong.url.endswith("failed=1") and "Wrong username or password" in wrong.text


def test_gatehouse_login_token_and_logout(gatehouse, tmp_path):
    config_dir = tmp_path / "cli"
    login = subprocess.Popen(
        [str(BINARY), "login", "--url", gatehouse.base_url, "--config-dir", str(config_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    prompt = login.stderr.readline() + login.stderr.readline()
    code = re.search(r"enter the code ([A-Z]{4}-[A-Z]{4})", prompt).group(1)
    assert decide(gatehouse, code, user="erin").status_code == 200  # dana is locked out by the guessing test
    assert login.wait(timeout=30) == 0, login.stderr.read()
    credentials = config_dir / "credentials.json"
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600 and stat.S_IMODE(os.stat(config_dir).st_mode) == 0o700

    token = subprocess.run([str(BINARY), "token", "--config-dir", str(config_dir)], capture_output=True, text=True, timeout=30)
    assert token.returncode == 0
    access = token.stdout.strip()
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=access, max_retries=0)
    assert client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "cli"}]).choices[0].message.content

    out = subprocess.run([str(BINARY), "logout", "--config-dir", str(config_dir)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and not credentials.exists()
    with pytest.raises(AuthenticationError):
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "after logout"}])
    again = subprocess.run([str(BINARY), "token", "--config-dir", str(config_dir)], capture_output=True, text=True, timeout=30)
    assert again.returncode != 0 and "gatehouse login" in again.stderr


def test_scopes_narrow_what_the_token_may_do(gatehouse):
    started = requests.post(
        gatehouse.base_url + "/oauth/device_authorization", data={"client_id": CLIENT_ID, "scope": "inference models:other-model"}, timeout=5
    ).json()
    assert decide(gatehouse, started["user_code"], user="erin").status_code == 200  # dana is locked out by the guessing test
    tokens = poll(gatehouse, started["device_code"]).json()
    assert tokens["scope"] == "inference models:other-model"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    # Erin may use mock-gpt, but this token only other-model (which she may not: so nothing).
    chat = requests.post(gatehouse.base_url + "/v1/chat/completions", json={"model": "mock-gpt", "messages": [{"role": "user", "content": "x"}]},
                         headers=bearer, timeout=5)
    assert chat.status_code == 403 and chat.json()["error"]["type"] == "key_model_access_denied"
    # `inference`: the model routes only.
    assert requests.get(gatehouse.base_url + "/key/list", headers=bearer, timeout=5).status_code == 403
    assert requests.get(gatehouse.base_url + "/v1/models", headers=bearer, timeout=5).json()["data"] == []


def test_the_flows_are_counted(gatehouse):
    """Runs after the others in this module: what they did shows in /metrics."""
    metrics = requests.get(gatehouse.base_url + "/metrics", headers={"Authorization": f"Bearer {gatehouse.master_key}"}, timeout=5).text
    for event, outcome in [("token", "device_code"), ("token", "refresh_token"), ("reuse", "refresh_token"), ("device", "approved"), ("device", "denied")]:
        assert re.search(rf'gatehouse_oauth_person_events_total\{{event="{event}",outcome="{outcome}"\}} [1-9]', metrics), (event, outcome)
