"""The console under a sub-path (`/gatehouse/ui`) behind a TLS-terminating proxy that passes
`X-Forwarded-Prefix` and `X-Forwarded-Proto` from `trusted_proxies`, driven in headless Chromium:
sign-in, pages, a form and sign-out all stay under the prefix and on https — no double prefix,
no redirect loop, no redirect down to http. A prefix from an untrusted peer is ignored."""
import pytest
import requests
from selenium.webdriver.common.by import By

from gatehouse_process import Gatehouse
from headless import chromium, follow, shot, wait_for_text
from prefix_proxy import PrefixProxy
from test_mtls import issue

CONFIG = """
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
gatehouse_settings:
  trusted_proxies: [127.0.0.1/32]
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("prefix-proxy")
    import ipaddress

    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca, ca_key, _, _ = issue(directory, "ca", is_ca=True)
    _, _, cert, key = issue(
        directory, "proxy", ca=ca, ca_key=ca_key, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))], usage=[ExtendedKeyUsageOID.SERVER_AUTH]
    )
    gatehouse = Gatehouse(tmp_path_factory.mktemp("gatehouse-behind-proxy"), CONFIG)
    with PrefixProxy(gatehouse.port, "/gatehouse", cert, key) as proxy:
        yield gatehouse, proxy
    gatehouse.stop()


@pytest.fixture
def browser():
    driver = chromium("--ignore-certificate-errors")  # the proxy's certificate is from a CA made above
    yield driver
    driver.quit()


def test_the_console_works_under_a_sub_path_behind_a_tls_proxy(stack, browser):
    gatehouse, proxy = stack
    browser.get(proxy.base_url + "/")  # the root, through the proxy
    assert browser.current_url.startswith(proxy.base_url + "/login?return_to=")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(gatehouse.master_key)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for_text(browser, "Overview")
    assert browser.current_url == proxy.base_url + "/ui"
    # The stylesheet came through the prefix too: the top bar has its colour.
    assert browser.execute_script("return getComputedStyle(document.querySelector('header.top')).backgroundColor") == "rgb(17, 24, 39)"
    shot(browser, "console-proxy-1-overview")

    follow(browser, "Keys")
    assert browser.current_url == proxy.base_url + "/ui/keys"
    follow(browser, "New key")
    browser.find_element(By.NAME, "key_alias").send_keys("behind-the-proxy")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Key created")
    follow(browser, "Back to the keys")
    wait_for_text(browser, "behind-the-proxy")
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'behind-the-proxy')]]")
    row.find_element(By.XPATH, ".//button[text()='Delete']").click()
    browser.switch_to.alert.accept()
    wait_for_text(browser, "The key is deleted.")
    assert browser.current_url.startswith(proxy.base_url + "/ui/keys?done=")
    shot(browser, "console-proxy-2-keys")

    browser.find_element(By.XPATH, "//header//button[text()='Sign out']").click()
    wait_for_text(browser, "You are signed out")
    follow(browser, "Sign in again")
    assert browser.current_url == proxy.base_url + "/login"
    # Every request the browser made went through the prefix: no doubled prefix, nothing outside it.
    # (The browser's own request for /favicon.ico, at the host's root, is not the console's.)
    outside = [path for path in proxy.paths if not path.startswith("/gatehouse/") and path != "/favicon.ico"]
    assert proxy.paths and outside == []
    assert not any(path.startswith("/gatehouse/gatehouse") for path in proxy.paths)


def test_a_prefix_is_taken_only_from_a_trusted_proxy_and_only_when_it_is_a_plain_path(stack, tmp_path):
    gatehouse, _ = stack

    def location(instance, prefix):
        answer = requests.get(instance.base_url + "/", headers={"Accept": "text/html", "X-Forwarded-Prefix": prefix}, allow_redirects=False, timeout=10)
        return answer.headers["location"]

    assert location(gatehouse, "/gw/") == "/gw/ui"
    for bad in ("//evil.example", "/a/../b", "/a b", "relative", "/ok/\\evil", "/%2e%2e"):
        assert location(gatehouse, bad) == "/ui", bad
    # The same header from a peer that is not a trusted proxy (127.0.0.1 is not in 10.0.0.0/8).
    untrusting = Gatehouse(tmp_path, CONFIG.replace("127.0.0.1/32", "10.0.0.0/8"))
    try:
        assert location(untrusting, "/gw") == "/ui"
    finally:
        untrusting.stop()


def test_a_proxy_admins_session_is_held_to_admin_session_allowed_ips(tmp_path):
    """`admin_session_allowed_ips`: an admin's session (console and API) only from those
    networks, the client's address read from the trusted proxy's X-Forwarded-For; an internal
    user's session and the master key as a bearer credential are not held to it."""
    config = CONFIG + "  admin_session_allowed_ips: [10.9.0.0/16]\n"
    gatehouse = Gatehouse(tmp_path, config)
    try:
        admin = {"authorization": f"Bearer {gatehouse.master_key}"}
        requests.post(
            gatehouse.base_url + "/user/new",
            json={"user_id": "iris", "user_role": "internal_user", "password": "console-password-1"}, headers=admin, timeout=10,
        ).raise_for_status()

        def session(user, password, address):
            browser = requests.Session()
            browser.headers["x-forwarded-for"] = address
            login = browser.post(gatehouse.base_url + "/login", data={"username": user, "password": password}, timeout=10)
            assert login.status_code == 200, login.text
            return browser

        inside = session("admin", gatehouse.master_key, "10.9.4.2")
        assert inside.get(gatehouse.base_url + "/ui/keys", timeout=10).status_code == 200
        assert inside.get(gatehouse.base_url + "/key/list", timeout=10).status_code == 200
        inside.headers["x-forwarded-for"] = "192.0.2.44"  # the same session, from elsewhere
        page = inside.get(gatehouse.base_url + "/ui/keys", timeout=10)
        assert page.status_code == 403 and "admin_session_allowed_ips" in page.text
        assert inside.get(gatehouse.base_url + "/key/list", timeout=10).status_code == 403
        assert session("iris", "console-password-1", "192.0.2.44").get(gatehouse.base_url + "/ui/keys", timeout=10).status_code == 200
        bearer = requests.get(gatehouse.base_url + "/key/list", headers={**admin, "x-forwarded-for": "192.0.2.44"}, timeout=10)
        assert bearer.status_code == 200
        denied = requests.get(gatehouse.base_url + "/audit?action=network.denied", headers=admin, timeout=10).json()["records"]
        assert {record["details"].get("via") for record in denied if record["details"].get("scope") == "admin_session"} == {"console", None}
    finally:
        gatehouse.stop()


def test_a_device_is_approved_under_the_prefix(stack, browser):
    """The device page's sign-in form, its approval form and its links stay under the prefix."""
    gatehouse, proxy = stack
    requests.post(
        gatehouse.base_url + "/user/new", json={"user_id": "dora", "password": "console-password-1", "auto_create_key": False},
        headers={"authorization": f"Bearer {gatehouse.master_key}"}, timeout=10,
    ).raise_for_status()
    started = requests.post(gatehouse.base_url + "/oauth/device_authorization", data={"client_id": "gatehouse-cli"}, timeout=10).json()
    before = len(proxy.paths)
    browser.get(proxy.base_url + "/device?user_code=" + started["user_code"])
    browser.find_element(By.NAME, "username").send_keys("dora")
    browser.find_element(By.NAME, "password").send_keys("console-password-1")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for_text(browser, "Approve a device")
    assert browser.current_url == proxy.base_url + "/device?user_code=" + started["user_code"]
    browser.find_element(By.XPATH, "//button[text()='Approve']").click()
    wait_for_text(browser, "Device approved")
    shot(browser, "console-proxy-3-device-approved")
    token = requests.post(
        gatehouse.base_url + "/oauth/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": started["device_code"], "client_id": "gatehouse-cli"},
        timeout=10,
    )
    assert token.status_code == 200, token.text
    paths = proxy.paths[before:]
    assert paths and all(path.startswith("/gatehouse/") for path in paths if path != "/favicon.ico"), paths
