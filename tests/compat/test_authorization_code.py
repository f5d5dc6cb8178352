"""The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636) from the application's side:
oauthlib's WebApplicationClient builds every request and reads every answer; `requests` plays the
person's browser; the official OpenAI SDK uses the token."""
import os
import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from oauthlib.oauth2 import WebApplicationClient
from openai import OpenAI, AuthenticationError

from gatehouse_process import Gatehouse

# The test's Gatehouse listens on loopback over plain HTTP; oauthlib otherwise insists on https.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

CONFIG = """
model_list:
  - model_name: mock-gpt
    litellm_params: {model: mock/mock-gpt}
"""
PASSWORD = "a long enough password 42"
REDIRECT = "http://127.0.0.1/callback"


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    instance = Gatehouse(tmp_path_factory.mktemp("authorize"), CONFIG)
    master = {"Authorization": f"Bearer {instance.master_key}"}
    requests.post(instance.base_url + "/user/new", json={"user_id": "fern", "password": PASSWORD, "auto_create_key": False}, headers=master, timeout=5)
    public = requests.post(
        instance.base_url + "/oauth/client/new",
        json={"client_id": "ide-plugin", "name": "IDE plugin", "public": True, "grant_types": ["authorization_code", "refresh_token"],
              "redirect_uris": [REDIRECT], "scopes": ["chat", "models"]},
        headers=master, timeout=5,
    )
    assert public.status_code == 200 and "client_secret" not in public.json(), public.text
    yield instance
    instance.stop()


class App:
    """The application: a public client with a loopback redirect on a port of its own (RFC 8252)."""

    def __init__(self, gatehouse, port=53682):
        self.gatehouse = gatehouse
        self.client = WebApplicationClient("ide-plugin")
        self.redirect = f"http://127.0.0.1:{port}/callback"
        self.verifier = self.client.create_code_verifier(64)
        self.challenge = self.client.create_code_challenge(self.verifier, "S256")

    def authorize_url(self, state="xyz-state", **extra):
        return self.client.prepare_request_uri(
            self.gatehouse.base_url + "/oauth/authorize", redirect_uri=self.redirect, scope=["chat"], state=state,
            code_challenge=self.challenge, code_challenge_method="S256", **extra,
        )

    def exchange(self, code, verifier=None):
        body = self.client.prepare_request_body(code=code, redirect_uri=self.redirect, code_verifier=verifier or self.verifier, include_client_id=True)
        return requests.post(
            self.gatehouse.base_url + "/oauth/token", data=body, headers={"content-type": "application/x-www-form-urlencoded"}, timeout=5
        )


def consent(gatehouse, url, action="approve", name="IDE plugin"):
    """The person: signs in, sees the consent page, answers. Returns where the browser is sent."""
    browser = requests.Session()
    page = browser.get(url, timeout=5)
    assert "Sign in" in page.text
    returned = re.search(r'name="return" value="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    page = browser.post(gatehouse.base_url + "/oauth/authorize/login", data={"username": "fern", "password": PASSWORD, "return": returned}, timeout=5)
    assert f"Allow {name}?" in page.text, page.text
    fields = {name: value.replace("&amp;", "&") for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    answer = browser.post(gatehouse.base_url + "/oauth/authorize", data={**fields, "action": action}, allow_redirects=False, timeout=5)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_a_public_app_gets_a_token_for_the_person_with_pkce(gatehouse):
    app = App(gatehouse)
    location = consent(gatehouse, app.authorize_url())
    assert location.startswith(app.redirect + "?")
    code = app.client.parse_request_uri_response(location, state="xyz-state")["code"]

    wrong = app.exchange(code, verifier=App(gatehouse).verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    tokens = app.exchange(code)
    assert tokens.status_code == 200, tokens.text
    access = tokens.json()["access_token"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=access, max_retries=0)
    assert client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}]).choices[0].message.content

    # The code again: refused, and what the first exchange issued is revoked.
    again = app.exchange(code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    with pytest.raises(AuthenticationError):
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "after reuse"}])


def test_what_the_app_asks_is_checked_before_anything_is_shown(gatehouse):
    app = App(gatehouse)
    # A redirect URI one character off is never redirected to: the person sees an error page.
    off = app.authorize_url().replace("callback", "callbacK")
    page = requests.get(off, allow_redirects=False, timeout=5)
    assert page.status_code == 400 and "location" not in page.headers
    for url, error in [
        (app.client.prepare_request_uri(gatehouse.base_url + "/oauth/authorize", redirect_uri=app.redirect, scope=["chat"],
                                        code_challenge=app.challenge, code_challenge_method="S256"), "invalid_request"),  # no state
        (app.client.prepare_request_uri(gatehouse.base_url + "/oauth/authorize", redirect_uri=app.redirect, state="s"), "invalid_request"),  # no PKCE
        (app.authorize_url().replace("code_challenge_method=S256", "code_challenge_method=plain"), "invalid_request"),
        (app.authorize_url().replace("scope=chat", "scope=admin"), "invalid_scope"),
        (app.authorize_url().replace("response_type=code", "response_type=token"), "unsupported_response_type"),
    ]:
        answer = requests.get(url, allow_redirects=False, timeout=5)
        assert answer.status_code == 303, url
        query = parse_qs(urlparse(answer.headers["location"]).query)
        assert query["error"] == [error], (url, query)
    unknown = requests.get(app.authorize_url().replace("ide-plugin", "nobody"), allow_redirects=False, timeout=5)
    assert unknown.status_code == 400 and "location" not in unknown.headers


def test_a_denial_goes_back_with_the_state(gatehouse):
    app = App(gatehouse, port=40001)
    location = consent(gatehouse, app.authorize_url(state="keep-me"), action="deny")
    query = parse_qs(urlparse(location).query)
    assert query == {"error": ["access_denied"], "state": ["keep-me"]}
    master = {"Authorization": f"Bearer {gatehouse.master_key}"}
    records = requests.get(gatehouse.base_url + "/audit", params={"action": "consent.deny"}, headers=master, timeout=5).json()["records"]
    assert records and records[0]["object"] == "user:fern"


def test_a_confidential_app_authenticates_and_its_revocation_ends_the_grant(gatehouse):
    master = {"Authorization": f"Bearer {gatehouse.master_key}"}
    registered = requests.post(
        gatehouse.base_url + "/oauth/client/new",
        json={"client_id": "web-app", "name": "Web app", "grant_types": ["authorization_code", "refresh_token"],
              "redirect_uris": ["https://app.example.com/cb"]},
        headers=master, timeout=5,
    ).json()
    secret = registered["client_secret"]
    web = WebApplicationClient("web-app")
    url = web.prepare_request_uri(gatehouse.base_url + "/oauth/authorize", redirect_uri="https://app.example.com/cb", state="s1")
    location = consent(gatehouse, url, name="Web app")
    assert location.startswith("https://app.example.com/cb?")
    code = web.parse_request_uri_response(location, state="s1")["code"]
    body = web.prepare_request_body(code=code, redirect_uri="https://app.example.com/cb")
    headers = {"content-type": "application/x-www-form-urlencoded"}
    # Without its secret the code is worth nothing.
    assert requests.post(gatehouse.base_url + "/oauth/token", data=body, headers=headers, timeout=5).status_code == 401
    tokens = requests.post(gatehouse.base_url + "/oauth/token", data=body, headers=headers, auth=("web-app", secret), timeout=5).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(gatehouse.base_url + "/v1/models", headers=bearer, timeout=5).status_code == 200
    revoked = requests.post(gatehouse.base_url + "/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=("web-app", secret), timeout=5)
    assert revoked.status_code == 200
    assert requests.get(gatehouse.base_url + "/v1/models", headers=bearer, timeout=5).status_code == 401
    # A public client may not take client credentials, and a public client has no secret to regenerate.
    bad = requests.post(
        gatehouse.base_url + "/oauth/client/new", json={"public": True, "grant_types": ["client_credentials"]}, headers=master, timeout=5
    )
    assert bad.status_code == 400
