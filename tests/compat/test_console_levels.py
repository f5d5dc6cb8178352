"""The console's organizations, models, limits panels and request explainer, driven in headless
Chromium: an admin builds an organization through the forms, changes its limits, sees which
level of a key's chain binds (and the team's and user's panels agree), reads the models with
their prices and last-hour health (never an upstream key), and explains a request from the
spend page — which key, which deployment, what it cost, what each limit stood at. An internal
user explains their own requests only. Screenshots go to tests/compat/screenshots/."""
import time

import pytest
import requests
from openai import OpenAI
from selenium.webdriver.common.by import By

from gatehouse_process import Gatehouse
from headless import follow, shot, wait_for_text
from test_console import api, fill, sign_in

UPSTREAM_KEY = "upstream-key-never-shown-7f3a9c"
CONFIG = f"""
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
      api_key: {UPSTREAM_KEY}
      input_cost_per_token: 0.001
      output_cost_per_token: 0.002
    model_info:
      id: mock-gpt-primary
      access_groups: ["general"]
  - model_name: mock-private
    litellm_params:
      model: mock/mock-private
    model_info:
      access_groups: ["research"]
"""
PASSWORD = "console-password-1"


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    instance = Gatehouse(tmp_path_factory.mktemp("gatehouse-console-levels"), CONFIG)
    for user in ("rita", "sam"):
        api(instance, "/user/new", {"user_id": user, "user_role": "internal_user", "password": PASSWORD, "auto_create_key": False})
    yield instance
    instance.stop()


def info(gatehouse, path):
    answer = requests.get(gatehouse.base_url + path, headers={"Authorization": f"Bearer {gatehouse.master_key}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def limits_row(driver, level):
    """The limits panel's row for a level ("key", "team"…), as text, and its cells."""
    row = driver.find_element(By.XPATH, f"//table[contains(@class,'limits')]//tr[th[starts-with(normalize-space(.), '{level} ')]]")
    return row.text, row.find_elements(By.TAG_NAME, "td")


def test_an_organization_is_built_edited_and_its_chain_binds_where_the_room_is_least(gatehouse, browser):
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    follow(browser, "Organizations")
    wait_for_text(browser, "No organizations yet.")
    follow(browser, "New organization")
    fill(browser, {"organization_alias": "Acme <Research>", "organization_id": "acme", "max_budget": "50", "budget_duration": "1mo"})
    wait_for_text(browser, "The organization is created.")
    assert "Acme <Research>" in browser.find_element(By.TAG_NAME, "h1").text  # typed text, shown as text

    # A team in it with a tight request limit, and a key of rita's in the team.
    api(gatehouse, "/team/new", {"team_id": "lab", "team_alias": "Lab", "organization_id": "acme", "rpm_limit": 2, "max_budget": 10})
    api(gatehouse, "/team/member_add", {"team_id": "lab", "member": [{"user_id": "rita", "role": "user"}]})
    key = api(gatehouse, "/key/generate", {"user_id": "rita", "team_id": "lab", "key_alias": "rita-lab", "rpm_limit": 5})["key"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hello"}])

    # The organization's budget changed through its edit form: the API sees it.
    browser.get(gatehouse.base_url + "/ui/organizations/acme")
    follow(browser, "Change name, models and limits")
    fill(browser, {"max_budget": "75", "rpm_limit": "100"})
    wait_for_text(browser, "Saved.")
    organization = info(gatehouse, "/organization/info?organization_id=acme")
    assert organization["max_budget"] == 75 and organization["rpm_limit"] == 100
    assert "Lab" in browser.find_element(By.XPATH, "//h2[text()='Teams']/following-sibling::table[1]").text
    shot(browser, "console-20-organization")

    # The key's limits panel: four levels; the team binds requests per minute (1 of 2 used), the
    # team's $10 binds the budget (less room than the organization's $75).
    deadline = time.time() + 10
    while True:  # the spend row is written in the background
        browser.get(gatehouse.base_url + "/ui/keys/" + info(gatehouse, "/key/info?key=" + key)["info"]["token"] + "/edit")
        team_text, team_cells = limits_row(browser, "team")
        if "$0.00 of" not in team_text or time.time() > deadline:
            break
        time.sleep(0.3)
    key_text, key_cells = limits_row(browser, "key")
    user_text, _ = limits_row(browser, "user")
    organization_text, organization_cells = limits_row(browser, "organization")
    assert "1 of 5" in key_cells[1].text and "binds" not in key_cells[1].text
    assert "1 of 2" in team_cells[1].text and "binds" in team_cells[1].text
    assert "of $10.00" in team_cells[0].text and "binds" in team_cells[0].text and "never resets" in team_cells[0].text
    assert "$75.00" in organization_cells[0].text and "resets" in organization_cells[0].text and "binds" not in organization_cells[0].text
    assert "no limit" in user_text
    sentences = browser.find_element(By.CSS_SELECTOR, "ul.plain").text
    assert "Requests / min: team lab binds, 1 left" in sentences
    shot(browser, "console-21-key-limits-panel")

    # The team's and the user's own pages show the same chain from their level up.
    browser.get(gatehouse.base_url + "/ui/teams/lab")
    assert "1 of 2" in limits_row(browser, "team")[1][1].text
    assert limits_row(browser, "organization")
    browser.get(gatehouse.base_url + "/ui/users/rita")
    wait_for_text(browser, "Teams: lab")
    follow(browser, "Change name, models and limits")
    fill(browser, {"user_alias": "Rita R.", "tpm_limit": "9000"})
    wait_for_text(browser, "Saved.")
    assert "9000" in limits_row(browser, "user")[1][2].text
    assert info(gatehouse, "/user/info?user_id=rita")["user_info"]["tpm_limit"] == 9000

    # An organization that still has teams is not deleted; an empty one is.
    browser.get(gatehouse.base_url + "/ui/organizations/acme")
    browser.find_element(By.XPATH, "//button[text()='Delete the organization']").click()
    browser.switch_to.alert.accept()
    wait_for_text(browser, "still has teams")
    api(gatehouse, "/organization/new", {"organization_id": "empty", "organization_alias": "Empty"})
    browser.get(gatehouse.base_url + "/ui/organizations/empty")
    browser.find_element(By.XPATH, "//button[text()='Delete the organization']").click()
    browser.switch_to.alert.accept()
    wait_for_text(browser, "The organization is deleted.")
    assert "Empty" not in browser.find_element(By.TAG_NAME, "main").text


def test_the_models_page_shows_prices_and_health_but_never_an_upstream_key(gatehouse, browser):
    key = api(gatehouse, "/key/generate", {"key_alias": "health-probe"})["key"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key)
    for _ in range(3):
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "ping"}])
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    deadline = time.time() + 10
    while True:
        follow(browser, "Models")
        row = browser.find_element(By.XPATH, "//tr[td[contains(., 'mock-gpt-primary')]]").text
        if "no requests" not in row or time.time() > deadline:
            break
        time.sleep(0.3)
    assert "$1000.00 / $2000.00" in row and "general" in row and "Serving" in row
    assert "no errors" in row and "latency" in row and "request" in row
    assert "mock-private" in browser.find_element(By.TAG_NAME, "main").text
    assert "research" in browser.find_element(By.XPATH, "//h2[text()='Access groups']/following-sibling::table[1]").text
    assert UPSTREAM_KEY not in browser.page_source
    shot(browser, "console-22-models")

    # A user whose key reaches only the general group sees that model only, and no access groups.
    api(gatehouse, "/user/update", {"user_id": "sam", "models": ["general"]})
    browser.delete_all_cookies()
    sign_in(browser, gatehouse, "sam", PASSWORD)
    follow(browser, "Models")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "mock-gpt" in main and "mock-private" not in main, main
    assert not browser.find_elements(By.XPATH, "//h2[text()='Access groups']")


def test_a_request_is_explained_from_the_spend_page_and_only_to_those_who_may_see_it(gatehouse, browser):
    api(gatehouse, "/team/new", {"team_id": "ops", "team_alias": "Ops", "max_budget": 20, "budget_duration": "7d"})
    api(gatehouse, "/team/member_add", {"team_id": "ops", "member": [{"user_id": "sam", "role": "user"}]})
    key = api(gatehouse, "/key/generate", {"user_id": "sam", "team_id": "ops", "key_alias": "sam-ops", "max_budget": 3})["key"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key)
    first = client.chat.completions.with_raw_response.create(model="mock-gpt", messages=[{"role": "user", "content": "one"}], max_tokens=20)
    second = client.chat.completions.with_raw_response.create(model="mock-gpt", messages=[{"role": "user", "content": "two"}], max_tokens=20)
    request_id = second.headers["x-gatehouse-request-id"]

    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    deadline = time.time() + 10
    while True:
        follow(browser, "Spend")
        links = browser.find_elements(By.LINK_TEXT, request_id)
        if links or time.time() > deadline:
            break
        time.sleep(0.3)
    links[0].click()
    wait_for_text(browser, "Limits when it was admitted")
    facts = browser.find_element(By.CSS_SELECTOR, "table.facts").text
    assert "sam-ops" in facts and "mock-gpt-primary" in facts and "sam · ops" in facts and "200" in facts
    # One request before it: the key had spent the first request's cost of its $3, the team of its $20.
    first_cost = float(first.parse().usage.prompt_tokens) * 0.001 + float(first.parse().usage.completion_tokens) * 0.002
    key_text, key_cells = limits_row(browser, "key")
    assert f"${first_cost:.2f} of $3.00" in key_cells[0].text and "binds" in key_cells[0].text
    assert "1 of" not in key_cells[1].text  # no request limit on the key
    team_text, team_cells = limits_row(browser, "team")
    assert f"${first_cost:.2f} of $20.00" in team_cells[0].text
    assert "bound" in browser.find_element(By.CSS_SELECTOR, "ul.plain").text
    shot(browser, "console-23-request-explained")

    # By the response's own id too; a made-up id finds nothing.
    browser.get(gatehouse.base_url + "/ui/requests?id=" + second.parse().id)
    wait_for_text(browser, "Limits when it was admitted")
    browser.get(gatehouse.base_url + "/ui/requests?id=req_made_up")
    wait_for_text(browser, "No request with this id that you may see.")

    # sam explains his own request; rita cannot see it (as if it did not exist).
    browser.delete_all_cookies()
    sign_in(browser, gatehouse, "sam", PASSWORD)
    browser.get(gatehouse.base_url + "/ui/requests?id=" + request_id)
    wait_for_text(browser, "Limits when it was admitted")
    browser.delete_all_cookies()
    sign_in(browser, gatehouse, "rita", PASSWORD)
    browser.get(gatehouse.base_url + "/ui/requests?id=" + request_id)
    wait_for_text(browser, "No request with this id that you may see.")
    assert "sam-ops" not in browser.page_source


def test_a_person_sees_their_sessions_ends_the_others_and_changes_their_password(gatehouse, browser):
    api(gatehouse, "/user/new", {"user_id": "tess", "user_role": "internal_user", "password": PASSWORD, "auto_create_key": False})
    other = requests.Session()  # another browser of tess's
    assert other.post(gatehouse.base_url + "/login", data={"username": "tess", "password": PASSWORD}, timeout=10).status_code == 200
    sign_in(browser, gatehouse, "tess", PASSWORD)
    follow(browser, "My account")
    sessions = browser.find_element(By.XPATH, "//h2[text()='Your sessions']/following-sibling::table[1]")
    assert len(sessions.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2 and "this browser" in sessions.text
    browser.find_element(By.XPATH, "//button[text()='Sign out everywhere else']").click()
    browser.switch_to.alert.accept()
    wait_for_text(browser, "Your other sessions have ended.")
    assert other.get(gatehouse.base_url + "/session", timeout=10).status_code == 401
    assert len(browser.find_elements(By.XPATH, "//h2[text()='Your sessions']/following-sibling::table[1]//tbody/tr")) == 1

    def change(current, new, again):
        for name, value in (("current_password", current), ("new_password", new), ("new_password_again", again)):
            field = browser.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        browser.find_element(By.XPATH, "//button[text()='Change password']").click()

    change(PASSWORD, "a fresh passphrase 1", "a fresh passphrase 2")
    wait_for_text(browser, "The two new passwords differ.")
    change("not my password at all", "a fresh passphrase 1", "a fresh passphrase 1")
    wait_for_text(browser, "The current password is wrong.")
    change(PASSWORD, "a fresh passphrase 1", "a fresh passphrase 1")
    wait_for_text(browser, "Your password is changed")
    shot(browser, "console-24-account-password-changed")
    follow(browser, "Keys")  # this browser's new session works
    wait_for_text(browser, "New key")
    assert "/login" not in browser.current_url
    assert requests.post(gatehouse.base_url + "/login", data={"username": "tess", "password": PASSWORD}, timeout=10).status_code == 401
    fresh = requests.post(gatehouse.base_url + "/login", data={"username": "tess", "password": "a fresh passphrase 1"}, timeout=10)
    assert fresh.status_code == 200
    trail = info(gatehouse, "/audit?object=user:tess&page_size=100")["records"]
    assert any(record["action"] == "auth.password_change" for record in trail)
    assert any(record["action"] == "auth.logout" and record["details"].get("sessions_ended") == 1 for record in trail)


def test_a_keys_allowed_addresses_and_routes_are_set_and_cleared_in_its_forms(gatehouse, browser):
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    browser.get(gatehouse.base_url + "/ui/keys/new")
    fill(browser, {"key_alias": "fenced", "allowed_ips": "10.0.0.0/8, 192.168.0.0/16", "allowed_routes": "llm_api_routes"})
    wait_for_text(browser, "Key created")
    key = browser.find_element(By.ID, "new-key").text
    stored = info(gatehouse, "/key/info?key=" + key)["info"]
    assert stored["allowed_routes"] == ["llm_api_routes"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key, max_retries=0)
    import openai

    try:
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "from loopback"}], max_tokens=5)
        raise AssertionError("a key held to 10/8 and 192.168/16 was used from 127.0.0.1")
    except openai.PermissionDeniedError as refusal:
        assert "address" in str(refusal)
    browser.get(gatehouse.base_url + "/ui/keys/" + stored["token"] + "/edit")
    assert browser.find_element(By.NAME, "allowed_ips").get_attribute("value") == "10.0.0.0/8, 192.168.0.0/16"
    fill(browser, {"allowed_ips": "", "allowed_routes": ""})
    wait_for_text(browser, "The key is changed")
    assert client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "now"}], max_tokens=5).choices
    assert info(gatehouse, "/key/info?key=" + key)["info"]["allowed_routes"] == []


def test_users_teams_and_the_audit_trail_are_searched_and_paged_by_the_store(gatehouse, browser):
    for index in range(55):  # more than a page of teams
        api(gatehouse, "/team/new", {"team_id": f"bulk-{index:02d}", "team_alias": f"Bulk team {index}"})
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    browser.get(gatehouse.base_url + "/ui/teams?q=bulk")
    assert "55 teams" in browser.find_element(By.CSS_SELECTOR, ".pager").text
    first = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")]
    assert len(first) == 50 and "bulk-00" in first[0]
    follow(browser, "Next page →")
    rest = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")]
    assert len(rest) == 5 and "bulk-50" in rest[0] and "q=bulk" in browser.current_url
    assert not browser.find_elements(By.LINK_TEXT, "Next page →")
    follow(browser, "First page")
    assert "bulk-00" in browser.find_element(By.CSS_SELECTOR, "main table tbody tr").text

    browser.get(gatehouse.base_url + "/ui/users?q=RIT")
    rows = browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    assert len(rows) == 1 and "rita" in rows[0].text

    browser.get(gatehouse.base_url + "/ui/audit?action=team.new")
    assert "records" in browser.find_element(By.CSS_SELECTOR, ".pager").text
    newest = browser.find_element(By.CSS_SELECTOR, "main table tbody tr td.mono").text
    follow(browser, "Next page →")
    older = browser.find_element(By.CSS_SELECTOR, "main table tbody tr td.mono").text
    assert int(older) < int(newest) and "before=" in browser.current_url and "action=team.new" in browser.current_url


def test_a_model_list_is_all_these_or_none_and_says_so(gatehouse, browser):
    api(gatehouse, "/team/new", {"team_id": "quiet", "team_alias": "Quiet"})
    key = api(gatehouse, "/key/generate", {"team_id": "quiet", "key_alias": "quiet-key"})["key"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key, max_retries=0)
    assert client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "all"}], max_tokens=5).choices
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    browser.get(gatehouse.base_url + "/ui/teams/quiet/edit")
    assert browser.find_element(By.CSS_SELECTOR, "input[name=models_mode][value=all]").is_selected()
    browser.find_element(By.CSS_SELECTOR, "input[name=models_mode][value=none]").click()
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Saved.")
    assert "Models: No models." in browser.find_element(By.TAG_NAME, "main").text
    import openai

    try:
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "none"}], max_tokens=5)
        raise AssertionError("a key of a team with no models used one")
    except (openai.PermissionDeniedError, openai.AuthenticationError, openai.BadRequestError, openai.NotFoundError):
        pass
    browser.get(gatehouse.base_url + "/ui/teams/quiet/edit")
    assert browser.find_element(By.CSS_SELECTOR, "input[name=models_mode][value=none]").is_selected()
    browser.find_element(By.CSS_SELECTOR, "input[name=models_mode][value=these]").click()
    browser.find_element(By.NAME, "models").send_keys("mock-gpt")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Saved.")
    assert info(gatehouse, "/team/info?team_id=quiet")["team_info"]["models"] == ["mock-gpt"]
    assert client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "these"}], max_tokens=5).choices


def test_the_overview_looks_back_an_hour_a_day_or_thirty_days(gatehouse, browser):
    key = api(gatehouse, "/key/generate", {"team_id": "lab", "user_id": "rita", "key_alias": "overview-probe"})["key"]
    client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key=key, max_retries=0)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "now"}], max_tokens=5)
    sign_in(browser, gatehouse, "admin", gatehouse.master_key)
    for range_name, title, bars in (("hour", "The last hour", 12), ("day", "The last 24 hours", 24), ("month", "The last 30 days", 30)):
        deadline = time.time() + 10
        while True:
            browser.get(gatehouse.base_url + "/ui?range=" + range_name)
            requests_now = int(browser.find_element(By.XPATH, "//div[@class='label' and text()='Requests']/following-sibling::div").text)
            if requests_now > 0 or time.time() > deadline:
                break
            time.sleep(0.3)
        assert title in browser.find_element(By.TAG_NAME, "main").text and requests_now > 0
        assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")[0].find_elements(By.CSS_SELECTOR, "g")) == bars
        assert "lab" in browser.find_element(By.XPATH, "//h2[text()='Top teams']/following-sibling::table[1]").text
    shot(browser, "console-25-overview-last-hour")
