import re
import sqlite3

import pytest

from fake_anthropic import FakeAnthropic
from gatehouse_process import STARTED, Gatehouse
from headless import chromium

CONFIG = """
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
  - model_name: claude-test
    litellm_params:
      model: anthropic/claude-test-model
      api_base: http://127.0.0.1:{anthropic_port}
      api_key: sk-ant-upstream-secret
"""


@pytest.fixture(scope="session")
def fake_anthropic():
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def browser():
    """A fresh headless Chromium (no cookies) for one test."""
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def gatehouse(tmp_path_factory, fake_anthropic):
    instance = Gatehouse(tmp_path_factory.mktemp("gatehouse"), CONFIG.format(anthropic_port=fake_anthropic.port))
    yield instance
    instance.stop()


# Shapes of every credential the suite uses: Gatehouse keys (and the configured master key),
# upstream keys, JWTs, OAuth client secrets, session secrets. Display forms (`sk-…abcd`) do not match.
SECRET_SHAPES = [
    re.compile(r"sk-[A-Za-z0-9-]{16,}"),
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    re.compile(r"ghs_[A-Za-z0-9]{16,}"),
    re.compile(r"gh[rd]_[A-Za-z0-9]{16,}"),  # refresh tokens and device codes
    re.compile(r"gsess-[A-Za-z0-9_-]{16,}"),
]


def leaks_in(text, where):
    return [f"{where}: {match.group(0)[:12]}…" for shape in SECRET_SHAPES for match in shape.finditer(text)]


def scan_for_secrets():
    """Every log line (stderr, or the log and JSON-lines files a test configured), every JSON line on stdout (access log, audit stream; the one-time
    banner of a generated master key is the only other thing there) and every audit row of every
    Gatehouse the suite started."""
    leaks = []
    for instance in STARTED:
        leaks += leaks_in(instance.stderr_path.read_text(), f"{instance.stderr_path}")
        json_lines = [line for line in instance.stdout_path.read_text().splitlines() if line.startswith("{")]
        leaks += leaks_in("\n".join(json_lines), f"{instance.stdout_path}")
        for written in list(instance.workdir.glob("*.log")) + list(instance.workdir.glob("*.jsonl")):
            leaks += leaks_in(written.read_text(), f"{written}")
        database = instance.workdir / "gatehouse-data" / "gatehouse.sqlite"
        if database.exists():
            connection = sqlite3.connect(database)
            try:
                rows = connection.execute("SELECT actor, object, address, details FROM gatehouse_audit").fetchall()
            except sqlite3.OperationalError:
                rows = []
            connection.close()
            leaks += leaks_in("\n".join(" ".join(str(field) for field in row) for row in rows), f"{database} audit rows")
    return leaks


def pytest_sessionfinish(session, exitstatus):
    leaks = scan_for_secrets()
    print(f"\nsecret scan: {len(STARTED)} gatehouse processes' logs, streams and audit rows, {len(leaks)} credentials found")
    if leaks:
        print("\n".join(leaks))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
