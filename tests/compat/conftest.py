import pytest

from fake_anthropic import FakeAnthropic
from gatehouse_process import Gatehouse

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


@pytest.fixture(scope="session")
def gatehouse(tmp_path_factory, fake_anthropic):
    instance = Gatehouse(tmp_path_factory.mktemp("gatehouse"), CONFIG.format(anthropic_port=fake_anthropic.port))
    yield instance
    instance.stop()
