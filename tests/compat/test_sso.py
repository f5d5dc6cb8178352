"""Single sign-on against a real OpenID Provider (django-oidc-provider from PyPI, on loopback),
driven in headless Chromium: a person signs in at the provider and lands in Gatehouse with the
role their groups map to; roles follow the groups at the next sign-in; the device page offers
the provider; and what must fail does, with no session. Screenshots go to
tests/compat/screenshots/."""
import json
import time

import pytest
import requests
from openai import OpenAI
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from django_op import DjangoOP
from gatehouse_process import Gatehouse
from headless import shot, wait_for_text
CLIENT_ID = "gatehouse-test"
CLIENT_SECRET = "op-client-secret-for-the-sso-tests"
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22", "carol": "carol-password-3", "unverified": "unverified-pass-4"}

CONFIG = """
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
sso:
  - name: corp
    display_name: Corp SSO
    issuer: {issuer}
    client_id: {client_id}
    client_secret: {client_secret}
    scopes: [openid, email, profile]
    claims: {{user: email, roles: groups}}
    role_mappings: {{gatehouse-admins: proxy_admin}}
    allowed_email_domains: [example.com]
    create_users: true
  - name: invited
    display_name: Corp SSO (invited users only)
    issuer: {issuer}
    client_id: {client_id}
    client_secret: {client_secret}
    claims: {{user: email}}
  - name: down
    issuer: http://127.0.0.1:9/nothing
    client_id: gatehouse
    client_secret: unused-secret
"""


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    provider = DjangoOP(tmp_path_factory.mktemp("op"))
    provider.admin("user", "alice", "alice@example.com", PASSWORDS["alice"], "gatehouse-admins")
    provider.admin("user", "bob", "bob@example.com", PASSWORDS["bob"])
    provider.admin("user", "carol", "carol@other.org", PASSWORDS["carol"])
    provider.admin("user", "unverified", "unverified@example.com", PASSWORDS["unverified"])
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory, op):
    config = CONFIG.format(issuer=op.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    instance = Gatehouse(tmp_path_factory.mktemp("gatehouse-sso"), config)
    op.admin("client", CLIENT_ID, CLIENT_SECRET, *(f"{instance.base_url}/sso/{name}/callback" for name in ("corp", "invited")))
    yield instance
    instance.stop()


def sign_in_at_provider(driver, user):
    """On the provider's page (if it asks: a provider session is remembered), sign in as `user`."""
    WebDriverWait(driver, 15).until(lambda d: "Test OpenID Provider" in d.page_source or "127.0.0.1" in d.current_url)
    if "Test OpenID Provider" in driver.page_source:
        driver.find_element(By.NAME, "username").send_keys(user)
        driver.find_element(By.NAME, "password").send_keys(PASSWORDS[user])
        driver.find_element(By.ID, "op-sign-in").click()


def session_cookies(driver):
    return {cookie["name"]: cookie["value"] for cookie in driver.get_cookies() if cookie["name"] == "gatehouse_session"}


def admin(gatehouse):
    return {"Authorization": f"Bearer {gatehouse.master_key}"}


def audit(gatehouse, wanted, action="auth.login"):
    """The audit records of `action` that `wanted` picks, once there are some (the trail is written in batches)."""
    deadline = time.time() + 10
    while True:
        answer = requests.get(f"{gatehouse.base_url}/audit?action={action}&page_size=100", headers=admin(gatehouse), timeout=10)
        answer.raise_for_status()
        found = [record for record in answer.json()["records"] if wanted(record)]
        if found or time.time() > deadline:
            return found
        time.sleep(0.2)


def test_a_person_signs_in_through_the_provider_with_the_role_their_groups_map_to(gatehouse, browser):
    browser.get(f"{gatehouse.base_url}/login")
    shot(browser, "sso-1-login-page")
    browser.find_element(By.LINK_TEXT, "Sign in with Corp SSO").click()
    sign_in_at_provider(browser, "alice")
    wait_for_text(browser, "Signed in as alice@example.com (proxy_admin)")
    shot(browser, "sso-2-signed-in-as-admin")
    assert browser.current_url == f"{gatehouse.base_url}/login"

    cookies = session_cookies(browser)
    session = requests.get(f"{gatehouse.base_url}/session", cookies=cookies, timeout=10).json()
    assert session["user_id"] == "alice@example.com" and session["user_role"] == "proxy_admin"
    # The person is a user of Gatehouse now, created at their first sign-in, with the provider's email.
    user = requests.get(f"{gatehouse.base_url}/user/info?user_id=alice@example.com", headers=admin(gatehouse), timeout=10).json()
    assert user["user_info"]["user_role"] == "proxy_admin" and user["user_info"]["user_email"] == "alice@example.com"
    # Their session reaches what a proxy admin may: the key list.
    keys = requests.get(f"{gatehouse.base_url}/key/list", cookies=cookies, timeout=10)
    assert keys.status_code == 200
    signed_in = audit(gatehouse, lambda r: r["outcome"] == "success" and r["object"] == "user:alice@example.com")
    assert signed_in and signed_in[0]["details"]["provider"] == "corp" and signed_in[0]["details"]["created"] is True


def test_roles_follow_the_provider_at_the_next_sign_in_and_an_admin_can_end_sessions(gatehouse, op, browser):
    browser.get(f"{gatehouse.base_url}/sso/corp/start")
    sign_in_at_provider(browser, "alice")
    wait_for_text(browser, "(proxy_admin)")
    old = session_cookies(browser)

    # Removed from the admin group at the provider; an admin ends her sessions here.
    op.admin("groups", "alice")
    ended = requests.post(
        f"{gatehouse.base_url}/user/sessions/delete", headers=admin(gatehouse), json={"user_ids": ["alice@example.com"]}, timeout=10
    )
    assert ended.status_code == 200 and ended.json()["sessions_ended"] >= 1
    assert requests.get(f"{gatehouse.base_url}/session", cookies=old, timeout=10).status_code == 401

    # Her next sign-in (the provider remembers her: no form) reads her groups again.
    browser.get(f"{gatehouse.base_url}/sso/corp/start")
    wait_for_text(browser, "Signed in as alice@example.com (internal_user)")
    shot(browser, "sso-3-signed-in-again-as-user")
    session = requests.get(f"{gatehouse.base_url}/session", cookies=session_cookies(browser), timeout=10).json()
    assert session["user_role"] == "internal_user"
    assert requests.get(f"{gatehouse.base_url}/key/list?user_id=bob", cookies=session_cookies(browser), timeout=10).status_code == 403
    changed = audit(gatehouse, lambda r: r["details"].get("role_before") == "proxy_admin")
    assert changed and changed[0]["details"]["role_after"] == "internal_user"
    op.admin("groups", "alice", "gatehouse-admins")


def test_a_device_is_approved_by_a_person_signed_in_with_the_provider(gatehouse, browser):
    started = requests.post(f"{gatehouse.base_url}/oauth/device_authorization", data={"client_id": "gatehouse-cli"}, timeout=10).json()
    browser.get(started["verification_uri_complete"])
    shot(browser, "sso-4-device-page-offers-sso")
    browser.find_element(By.LINK_TEXT, "Sign in with Corp SSO").click()
    sign_in_at_provider(browser, "bob")
    wait_for_text(browser, "Approve a device")
    code = browser.find_element(By.NAME, "user_code").get_attribute("value")
    assert code == started["user_code"]
    browser.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    wait_for_text(browser, "Device approved")
    shot(browser, "sso-5-device-approved")

    token = requests.post(
        f"{gatehouse.base_url}/oauth/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": started["device_code"], "client_id": "gatehouse-cli"},
        timeout=10,
    ).json()
    client = OpenAI(base_url=f"{gatehouse.base_url}/v1", api_key=token["access_token"])
    reply = client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content
    spend = requests.get(f"{gatehouse.base_url}/user/info?user_id=bob@example.com", headers=admin(gatehouse), timeout=10).json()
    assert spend["user_info"]["user_id"] == "bob@example.com"


@pytest.mark.parametrize(
    "provider,user,says",
    [
        ("corp", "carol", "people with an email at other.org may not sign in here"),
        ("corp", "unverified", "the provider has not verified this email"),
        ("invited", "bob", "You have no account on this gateway"),
    ],
)
def test_a_person_the_rules_exclude_gets_a_clear_page_and_no_session(gatehouse, browser, provider, user, says):
    if provider == "invited":
        # Bob exists by now only if an earlier test created him: start from a clean slate.
        requests.post(f"{gatehouse.base_url}/user/delete", headers=admin(gatehouse), json={"user_ids": ["bob@example.com"]}, timeout=10)
    browser.get(f"{gatehouse.base_url}/sso/{provider}/start")
    sign_in_at_provider(browser, user)
    wait_for_text(browser, "Sign-in failed")
    assert says in browser.find_element(By.TAG_NAME, "body").text
    shot(browser, f"sso-6-refused-{user}-{provider}")
    assert session_cookies(browser) == {}


def test_an_answer_that_is_not_this_browsers_sign_in_is_refused(gatehouse):
    # No sign-in started here: the provider's answer (or an attacker's link) starts nothing.
    forged = requests.get(f"{gatehouse.base_url}/sso/corp/callback?code=stolen&state=guess", timeout=10)
    assert forged.status_code == 400 and "not started in this browser" in forged.text
    assert "gatehouse_session" not in forged.headers.get("set-cookie", "")
    # Started here, but the answer carries another state.
    browser = requests.Session()
    start = browser.get(f"{gatehouse.base_url}/sso/corp/start", allow_redirects=False, timeout=10)
    assert start.status_code == 302 and "code_challenge_method=S256" in start.headers["location"]
    assert "nonce=" in start.headers["location"] and "state=" in start.headers["location"]
    wrong = browser.get(f"{gatehouse.base_url}/sso/corp/callback?code=any&state=another", timeout=10)
    assert wrong.status_code == 400 and "state differs" in wrong.text
    assert "gatehouse_session" not in wrong.headers.get("set-cookie", "")
    # The provider said no.
    browser.get(f"{gatehouse.base_url}/sso/corp/start", allow_redirects=False, timeout=10)
    state = requests.utils.urlparse(browser.get(f"{gatehouse.base_url}/sso/corp/start", allow_redirects=False).headers["location"]).query
    state = dict(pair.split("=", 1) for pair in state.split("&"))["state"]
    denied = browser.get(f"{gatehouse.base_url}/sso/corp/callback?error=access_denied&state={state}", timeout=10)
    assert denied.status_code == 403 and "access_denied" in denied.text


def test_an_unreachable_provider_fails_closed(gatehouse):
    answer = requests.get(f"{gatehouse.base_url}/sso/down/start", allow_redirects=False, timeout=30)
    assert answer.status_code == 502 and "could not be read" in answer.text
    assert "gatehouse_session" not in answer.headers.get("set-cookie", "")
    assert requests.get(f"{gatehouse.base_url}/sso/nobody/start", timeout=10).status_code == 404


def test_sign_ins_are_audited_and_counted(gatehouse):
    failures = audit(gatehouse, lambda r: r["outcome"] == "failure" and r["details"].get("method") == "sso")
    assert {r["details"]["provider"] for r in failures} >= {"corp", "down"}
    metrics = requests.get(f"{gatehouse.base_url}/metrics", headers=admin(gatehouse), timeout=10).text
    assert 'gatehouse_oauth_person_events_total{event="sso",outcome="signed_in"}' in metrics
    assert 'gatehouse_auth_attempts_total{method="sso",outcome="failure",reason="sso"}' in metrics
    assert CLIENT_SECRET not in json.dumps(audit(gatehouse, lambda r: True))
