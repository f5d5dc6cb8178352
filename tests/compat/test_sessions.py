"""Session login from a browser's side, with `requests` keeping the cookies: over HTTPS the
cookie is `__Host-` and `Secure`, changes need the CSRF token, logout ends the session on the
server; an unknown user costs as much time as a wrong password."""
import ipaddress
import ssl
import statistics
import time

import requests
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from gatehouse_process import Gatehouse
from test_mtls import issue

PASSWORD = "correct horse battery staple"


def https_gatehouse(tmp_path, *settings):
    ca, ca_key, ca_file, _ = issue(tmp_path, "ca", is_ca=True)
    _, _, server_cert, server_key = issue(
        tmp_path, "server", ca, ca_key, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))], usage=[ExtendedKeyUsageOID.SERVER_AUTH]
    )
    lines = [
        "model_list:", "  - model_name: m", "    litellm_params: {model: mock/m}", "gatehouse_settings:",
        f"  tls_cert_file: {server_cert}", f"  tls_key_file: {server_key}", *[f"  {setting}" for setting in settings],
    ]
    return Gatehouse(tmp_path, "\n".join(lines) + "\n", ssl_context=ssl.create_default_context(cafile=ca_file)), ca_file


def create_user(gatehouse, verify, user_id, role="proxy_admin"):
    response = requests.post(
        gatehouse.base_url + "/user/new", verify=verify, headers={"authorization": f"Bearer {gatehouse.master_key}"},
        json={"user_id": user_id, "user_email": f"{user_id}@example.com", "user_role": role, "password": PASSWORD},
    )
    assert response.status_code == 200, response.text


def test_a_browser_signs_in_over_https_changes_things_with_its_csrf_token_and_signs_out(tmp_path):
    gatehouse, ca_file = https_gatehouse(tmp_path, "password_hash_cost: 4")
    try:
        create_user(gatehouse, ca_file, "ada")
        browser = requests.Session()
        browser.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, overrides `verify`
        browser.verify = ca_file
        login = browser.post(gatehouse.base_url + "/login", data={"username": "ada@example.com", "password": PASSWORD})
        assert login.status_code == 200, login.text
        set_cookie = login.headers["set-cookie"]
        assert set_cookie.startswith("__Host-gatehouse_session=gsess-")
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"]:
            assert attribute in set_cookie
        assert "Domain" not in set_cookie
        csrf = login.json()["csrf_token"]
        assert [cookie.name for cookie in browser.cookies] == ["__Host-gatehouse_session"]

        assert browser.get(gatehouse.base_url + "/key/list").status_code == 200
        assert browser.get(gatehouse.base_url + "/session").json()["user_id"] == "ada"
        # A change without the token, or from another origin, is refused; with both right it is done.
        assert browser.post(gatehouse.base_url + "/key/generate", json={}).status_code == 403
        foreign = browser.post(gatehouse.base_url + "/key/generate", json={}, headers={"x-csrf-token": csrf, "origin": "https://evil.example"})
        assert foreign.status_code == 403 and foreign.json()["error"]["type"] == "permission_error"
        own = browser.post(gatehouse.base_url + "/key/generate", json={}, headers={"x-csrf-token": csrf, "origin": gatehouse.base_url})
        assert own.status_code == 200 and own.json()["key"].startswith("sk-")
        chat = browser.post(
            gatehouse.base_url + "/v1/chat/completions", headers={"x-csrf-token": csrf},
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert chat.status_code == 200, chat.text

        stolen = dict(browser.cookies)
        assert browser.post(gatehouse.base_url + "/logout", headers={"x-csrf-token": csrf}).json() == {"logged_out": True}
        assert not browser.cookies  # the browser forgot it...
        # ...and the server did too: replaying the old cookie gets nothing.
        replay = requests.get(gatehouse.base_url + "/key/list", cookies=stolen, verify=ca_file)
        assert replay.status_code == 401
    finally:
        gatehouse.stop()


def test_an_unknown_user_takes_as_long_as_a_wrong_password(tmp_path):
    gatehouse = Gatehouse(tmp_path, "gatehouse_settings:\n  password_hash_cost: 10\n")
    try:
        create_user(gatehouse, True, "ada")

        def seconds(username):
            start = time.perf_counter()
            response = requests.post(gatehouse.base_url + "/login", json={"username": username, "password": "not the password!"})
            assert response.status_code == 401
            return time.perf_counter() - start

        wrong = statistics.median(seconds("ada") for _ in range(3))
        unknown = statistics.median(seconds(f"nobody-{n}") for n in range(3))
        # bcrypt at cost 10 is tens of milliseconds; without the dummy check an unknown user
        # would answer in about one.
        assert wrong > 0.01
        assert 0.5 < unknown / wrong < 2, (wrong, unknown)
    finally:
        gatehouse.stop()
