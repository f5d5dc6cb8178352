"""The admin console at /ui, driven in headless Chromium: an admin signs in, creates a key
through the form, uses it with the official OpenAI SDK, blocks it and sees the SDK refused, and
finds each step in the audit trail; a viewer sees no controls and a forged POST is refused; an
internal user sees only their own keys; typed values render as text; every page sends the
strict headers. Screenshots go to tests/compat/screenshots/."""
import re
import time

import openai
import pytest
import requests
from openai import OpenAI
from selenium.webdriver.common.by import By

from gatehouse_process import Gatehouse
from headless import follow, shot, wait_for_text

CONFIG = """
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
      input_cost_per_token: 0.001
      output_cost_per_token: 0.002
"""
PASSWORD = "console-password-1"


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    instance = Gatehouse(tmp_path_factory.mktemp("gatehouse-console"), CONFIG)
    for user, role in (("vera", "proxy_admin_viewer"), ("ivan", "internal_user"), ("olga", "internal_user")):
        api(instance, "/user/new", {"user_id": user, "user_role": role, "password": PASSWORD, "auto_create_key": False})
    api(instance, "/key/generate", {"user_id": "ivan", "key_alias": "ivan-laptop"})
    api(instance, "/key/generate", {"user_id": "olga", "key_alias": "olga-notebook"})
    yield instance
    instance.stop()


def api(gatehouse, path, body):
    answer = requests.post(gatehouse.base_url + path, json=body, headers={"Authorization": f"Bearer {gatehouse.master_key}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def sign_in(driver, gatehouse, user, password):
    driver.get(gatehouse.base_url + "/ui")
    assert "/login?return_to=" in driver.current_url
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for_text(driver, "Overview")


def cookies(driver):
    return {c["name"]: c["value"] for c in driver.get_cookies() if c["name"] == "gatehouse_session"}


def audit(gatehouse, action):
    deadline = time.time() + 10
    while True:
        records = requests.get(
            f"{gatehouse.base_url}/audit?action={action}", headers={"Authorization": f"Bearer {gatehouse.master_key}"}, timeout=10
        ).json()["records"]
        found = [r for r in records if r["details"].get("via") == "console"]
        if found or time.time() > deadline:
            return found
        time.sleep(0.2)


def test_an_admin_creates_a_key_uses_it_blocks_it_and_signs_out(gatehouse, browser):
    browser.get(gatehouse.base_url + "/")  # a browser at the root lands in the console, via sign-in
    assert "/login?return_to=%2Fui" in browser.current_url
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    shot(browser, "console-1-overview")

    follow(browser, "Keys")
    wait_for_text(browser, "ivan-laptop")
    shot(browser, "console-2-keys")
    follow(browser, "New key")
    browser.find_element(By.NAME, "key_alias").send_keys("ci-pipeline")
    browser.find_element(By.CSS_SELECTOR, "input[name=models_mode][value=these]").click()
    browser.find_element(By.NAME, "models").send_keys("mock-gpt")
    browser.find_element(By.NAME, "max_budget").send_keys("abc")  # a number field: the browser keeps it empty
    browser.find_element(By.NAME, "rpm_limit").send_keys("100")
    shot(browser, "console-3-new-key-form")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Key created")
    key = browser.find_element(By.ID, "new-key").text
    assert key.startswith("sk-")
    assert key not in browser.title and key not in browser.current_url
    shot(browser, "console-4-key-created")

    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key)
    assert client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}]).choices[0].message.content

    browser.get(gatehouse.base_url + "/ui/keys?q=ci-pipeline")
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'ci-pipeline')]]")
    assert "mock-gpt" in row.text and "100 req/min" in row.text
    row.find_element(By.XPATH, ".//button[text()='Block']").click()
    browser.switch_to.alert.accept()  # the confirmation
    wait_for_text(browser, "The key is blocked")
    shot(browser, "console-5-key-blocked")
    with pytest.raises((openai.AuthenticationError, openai.PermissionDeniedError)):
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}])

    generated = audit(gatehouse, "key.generate")
    assert generated and generated[0]["actor"] == "session:master" and key not in str(generated)
    assert audit(gatehouse, "key.block")

    browser.find_element(By.XPATH, "//header//button[text()='Sign out']").click()
    wait_for_text(browser, "You are signed out")
    browser.get(gatehouse.base_url + "/ui/keys")
    assert "/login" in browser.current_url


def fill(driver, values):
    for name, value in values.items():
        field = driver.find_element(By.NAME, name)
        if field.tag_name == "select":
            field.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            field.clear()
            field.send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def test_an_admin_builds_a_team_a_user_and_their_key_and_reads_the_trail(gatehouse, browser):
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    browser.get(gatehouse.base_url + "/ui/teams/new")
    fill(browser, {"team_alias": "Search", "team_id": "search", "max_budget": "10", "budget_duration": "30d"})
    wait_for_text(browser, "The team is created.")
    browser.get(gatehouse.base_url + "/ui/users/new")
    fill(browser, {"user_id": "una", "user_email": "una@example.com", "user_role": "internal_user", "password": PASSWORD})
    wait_for_text(browser, "The user is created.")
    shot(browser, "console-10-users")
    browser.get(gatehouse.base_url + "/ui/teams/search")
    fill(browser, {"user_id": "una"})
    wait_for_text(browser, "The member is added.")
    assert "una" in browser.find_element(By.XPATH, "//h2[text()='Members']/following-sibling::table[1]").text
    shot(browser, "console-11-team")
    browser.get(gatehouse.base_url + "/ui/keys/new")
    fill(browser, {"key_alias": "una-key", "team_id": "search", "user_id": "una"})
    wait_for_text(browser, "Key created")
    key = browser.find_element(By.ID, "new-key").text

    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "count my spend"}])
    deadline = time.time() + 10
    while True:  # spend is settled in the background
        browser.get(gatehouse.base_url + "/ui/keys?q=una-key")
        row = browser.find_element(By.XPATH, "//tr[td[contains(., 'una-key')]]").text
        if "$0.00" not in row or time.time() > deadline:
            break
        time.sleep(0.3)
    assert "$0.00" not in row and "user una" in row and "team search" in row
    shot(browser, "console-12-key-with-spend")
    browser.get(gatehouse.base_url + "/ui/teams")
    assert "of $10.00 per 30d" in browser.find_element(By.TAG_NAME, "table").text

    follow(browser, "Overview")
    wait_for_text(browser, "Top models")
    assert "mock-gpt" in browser.find_element(By.XPATH, "//h2[text()='Top models']/following-sibling::table[1]").text
    assert "una-key" in browser.find_element(By.XPATH, "//h2[text()='Top keys']/following-sibling::table[1]").text
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect")
    assert any(float(bar.get_attribute("height")) > 0 for bar in bars)
    shot(browser, "console-14-overview-with-activity")

    follow(browser, "Audit trail")
    body = browser.find_element(By.TAG_NAME, "body").text
    for action in ("team.new", "user.new", "team.member_add", "key.generate"):
        assert action in body, action
    assert PASSWORD not in browser.page_source and key not in browser.page_source
    follow(browser, "Verify the chain")
    wait_for_text(browser, "The chain is intact")
    shot(browser, "console-13-audit")


def test_an_admin_lifts_a_lockout_and_manages_an_oauth_client(gatehouse, browser):
    for _ in range(5):  # five wrong passwords lock olga out (at this address)
        requests.post(gatehouse.base_url + "/login", json={"username": "olga", "password": "wrong-password-1"}, timeout=10)
    assert requests.post(gatehouse.base_url + "/login", json={"username": "olga", "password": PASSWORD}, timeout=10).status_code == 429
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    follow(browser, "Security")
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'olga')]]")
    row.find_element(By.XPATH, ".//button[text()='Lift']").click()
    wait_for_text(browser, "The block is lifted.")
    assert requests.post(gatehouse.base_url + "/login", json={"username": "olga", "password": PASSWORD}, timeout=10).status_code == 200

    browser.find_element(By.NAME, "name").send_keys("nightly-batch")
    browser.find_element(By.NAME, "scopes").send_keys("chat")
    browser.find_element(By.XPATH, "//button[text()='Register a client']").click()
    wait_for_text(browser, "Client registered")
    secret = browser.find_element(By.ID, "client-secret").text
    client_id = browser.find_element(By.CSS_SELECTOR, "main .card .mono").text
    shot(browser, "console-15-client-registered")
    token = requests.post(
        gatehouse.base_url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=10
    )
    assert token.status_code == 200 and token.json()["scope"] == "chat"
    browser.get(gatehouse.base_url + "/ui/security")
    shot(browser, "console-16-security")
    row = browser.find_element(By.XPATH, f"//tr[td[contains(., '{client_id}')]]")
    row.find_element(By.XPATH, ".//button[text()='Delete']").click()
    browser.switch_to.alert.accept()
    wait_for_text(browser, "The client is deleted")
    refused = requests.post(
        gatehouse.base_url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=10
    )
    assert refused.status_code == 401
    assert audit(gatehouse, "lockout.unlock") and audit(gatehouse, "oauth.client.new") and audit(gatehouse, "oauth.client.delete")


def test_an_admin_edits_and_regenerates_a_key(gatehouse, browser):
    old = api(gatehouse, "/key/generate", {"key_alias": "to-edit", "max_budget": 5, "rpm_limit": 10})["key"]
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    browser.get(gatehouse.base_url + "/ui/keys?q=to-edit")
    browser.find_element(By.XPATH, "//tr[td[contains(., 'to-edit')]]//a[text()='Edit']").click()
    wait_for_text(browser, "Regenerate")
    assert browser.find_element(By.NAME, "rpm_limit").get_attribute("value") == "10"
    shot(browser, "console-18-edit-key")
    fill(browser, {"rpm_limit": "200", "max_budget": ""})
    wait_for_text(browser, "The key is changed.")
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'to-edit')]]").text
    assert "200 req/min" in row and "no budget" in row
    browser.find_element(By.XPATH, "//tr[td[contains(., 'to-edit')]]//a[text()='Edit']").click()
    browser.find_element(By.CSS_SELECTOR, "select[name=grace_period] option[value='1h']").click()
    browser.find_element(By.XPATH, "//button[text()='Regenerate']").click()
    browser.switch_to.alert.accept()
    wait_for_text(browser, "The old one keeps working for 1h")
    new = browser.find_element(By.ID, "new-key").text
    assert new.startswith("sk-") and new != old
    for key in (new, old):  # the old one within its grace period
        OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key).chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": "hi"}]
        )
    assert audit(gatehouse, "key.update") and audit(gatehouse, "key.regenerate")


def test_spend_by_any_grouping_over_a_range_and_as_csv(gatehouse, browser):
    key = api(gatehouse, "/key/generate", {"key_alias": "=HYPERLINK(\"http://evil\")"})["key"]
    OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "spend something"}]
    )
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    follow(browser, "Spend")
    wait_for_text(browser, "Spend by day")
    assert "mock-gpt" in browser.find_element(By.TAG_NAME, "table").text
    browser.find_element(By.CSS_SELECTOR, "select[name=by] option[value=key_alias]").click()
    browser.find_element(By.XPATH, "//button[text()='Show']").click()
    wait_for_text(browser, "Key alias")
    assert '=HYPERLINK("http://evil")' in browser.find_element(By.TAG_NAME, "table").text
    shot(browser, "console-17-spend")
    export = browser.find_element(By.LINK_TEXT, "Export CSV").get_attribute("href")
    csv = requests.get(export, cookies=cookies(browser), timeout=10)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0] == '"key_alias","requests","tokens","spend_usd"'
    # A spreadsheet would run a cell starting with `=`: it is text here.
    assert any(line.startswith('"\'=HYPERLINK(""http://evil"")"') for line in lines), lines
    # A range the page refuses, said on the page.
    wrong = requests.get(gatehouse.base_url + "/ui/spend?from=2026-12-10&to=2026-12-01", cookies=cookies(browser), timeout=10)
    assert wrong.status_code == 400 and "range" in wrong.text


def test_a_viewer_sees_no_controls_and_a_forged_post_is_refused(gatehouse, browser):
    sign_in(browser, gatehouse, "vera", PASSWORD)
    browser.get(gatehouse.base_url + "/ui/keys")
    wait_for_text(browser, "olga-notebook")
    shot(browser, "console-6-viewer-keys")
    assert not browser.find_elements(By.LINK_TEXT, "New key")
    assert not browser.find_elements(By.XPATH, "//button[text()='Block' or text()='Delete']")
    browser.get(gatehouse.base_url + "/ui/users")
    wait_for_text(browser, "ivan")
    assert not browser.find_elements(By.LINK_TEXT, "New user") and not browser.find_elements(By.XPATH, "//button[text()='Delete']")
    # The form the page does not offer, posted anyway with the viewer's own session and token.
    page = requests.get(gatehouse.base_url + "/ui", cookies=cookies(browser), timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    key_id = api(gatehouse, "/key/generate", {"key_alias": "target"})["token"]
    forged = requests.post(f"{gatehouse.base_url}/ui/keys/{key_id}/block", data={"csrf_token": csrf}, cookies=cookies(browser), timeout=10)
    assert forged.status_code == 403 and "viewer" in forged.text
    assert requests.get(f"{gatehouse.base_url}/key/info?key={key_id}", headers={"Authorization": f"Bearer {gatehouse.master_key}"}).json()["info"]["blocked"] is False
    new = requests.get(gatehouse.base_url + "/ui/keys/new", cookies=cookies(browser), timeout=10)
    assert new.status_code == 403


def test_an_internal_user_sees_only_their_own_keys(gatehouse, browser):
    sign_in(browser, gatehouse, "ivan", PASSWORD)
    browser.get(gatehouse.base_url + "/ui/keys")
    wait_for_text(browser, "ivan-laptop")
    assert "olga-notebook" not in browser.page_source
    shot(browser, "console-7-internal-user-keys")
    # Asking for someone else's keys is refused by the same rule as /key/list.
    other = requests.get(gatehouse.base_url + "/ui/keys?user=olga", cookies=cookies(browser), timeout=10)
    assert other.status_code == 403 and "olga-notebook" not in other.text
    # Users and the audit trail are neither offered nor served.
    assert not browser.find_elements(By.LINK_TEXT, "Users") and not browser.find_elements(By.LINK_TEXT, "Audit trail")
    for path in ("/ui/users", "/ui/audit"):
        assert requests.get(gatehouse.base_url + path, cookies=cookies(browser), timeout=10).status_code == 403
    # Their account: role, spend, keys, and how to point their tools at the gateway.
    follow(browser, "My account")
    wait_for_text(browser, "Use the gateway")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "internal_user" in text and f'base_url="{gatehouse.base_url}/v1"' in text and f"ANTHROPIC_BASE_URL={gatehouse.base_url}" in text
    shot(browser, "console-9-my-account")


def test_values_people_typed_render_as_text(gatehouse, browser):
    hostile = ['<script>window.pwned=1</script>', '"><img src=x onerror="window.pwned=1">']
    for alias in hostile:
        api(gatehouse, "/key/generate", {"key_alias": alias})
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    browser.get(gatehouse.base_url + "/ui/keys")
    wait_for_text(browser, hostile[0])
    shot(browser, "console-8-hostile-aliases")
    assert browser.execute_script("return window.pwned === undefined")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert all(alias in body for alias in hostile)
    assert "<script>window.pwned" not in browser.page_source and "&lt;script&gt;" in browser.page_source


def test_every_page_is_sent_with_strict_headers_and_no_inline_script(gatehouse):
    session = requests.Session()
    session.post(gatehouse.base_url + "/login", json={"username": "admin", "password": gatehouse.master_key}, timeout=10).raise_for_status()
    for path in ("/ui", "/ui/keys", "/ui/keys/new", "/ui/keys?status=blocked", "/ui/teams", "/ui/teams/new", "/ui/users",
                 "/ui/users/new", "/ui/audit", "/ui/audit?verify=1&outcome=denied", "/ui/account", "/ui/security", "/ui/spend", "/ui/spend?by=team_id"):
        page = session.get(gatehouse.base_url + path, timeout=10)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert page.headers["cache-control"] == "no-store" and page.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), f"inline script on {path}"
        assert " style=" not in page.text and "<style" not in page.text, f"inline style on {path}"
        for asset in re.findall(r'(?:href|src)="(/ui/assets/[^"]+)"', page.text):
            served = session.get(gatehouse.base_url + asset, timeout=10)
            assert served.status_code == 200 and "immutable" in served.headers["cache-control"]
    # A wrong field comes back beside the field, with what was typed kept (and escaped).
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', session.get(gatehouse.base_url + "/ui/keys/new").text).group(1)
    typed = {"csrf_token": csrf, "key_alias": '<b>"x"</b>', "duration": "forever", "rpm_limit": "-3"}
    wrong = session.post(gatehouse.base_url + "/ui/keys/new", data=typed, timeout=10)
    assert wrong.status_code == 400 and 'id="rpm_limit-error">A limit is a whole number' in wrong.text
    assert 'value="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in wrong.text
    typed["rpm_limit"] = "3"
    wrong = session.post(gatehouse.base_url + "/ui/keys/new", data=typed, timeout=10)
    assert wrong.status_code == 400 and 'id="duration-error">' in wrong.text and 'aria-invalid="true"' in wrong.text
    # A form posted from another site is refused, whatever it carries.
    forged = session.post(gatehouse.base_url + "/ui/keys/new", data={"key_alias": "x"}, headers={"Origin": "http://evil.example"}, timeout=10)
    assert forged.status_code == 403
    # API clients at the root still get JSON.
    assert requests.get(gatehouse.base_url + "/", timeout=10).headers["content-type"].startswith("application/json")
