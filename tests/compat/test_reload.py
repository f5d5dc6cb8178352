"""SIGHUP reloads the configuration file: models and routing change without a restart, other
changes are reported as needing one, a broken file changes nothing — and each reload is audited."""
import os
import signal
import time

import requests

from gatehouse_process import Gatehouse

BEFORE = """
model_list:
  - model_name: alpha
    litellm_params: {model: mock/alpha}
gatehouse_settings:
  lockout_seconds: 60
"""

AFTER = """
model_list:
  - model_name: beta
    litellm_params: {model: mock/beta}
router_settings:
  num_retries: 1
gatehouse_settings:
  lockout_seconds: 30
"""


def test_sighup_reloads_models_and_audits_the_reload(tmp_path):
    gatehouse = Gatehouse(tmp_path, BEFORE)
    admin = {"authorization": f"Bearer {gatehouse.master_key}"}
    config_file = tmp_path / "config.yaml"
    master = f"\ngeneral_settings:\n  master_key: {gatehouse.master_key}\n"

    def models():
        return [model["id"] for model in requests.get(gatehouse.base_url + "/v1/models", headers=admin).json()["data"]]

    def chat(model):
        return requests.post(
            gatehouse.base_url + "/v1/chat/completions", headers=admin, json={"model": model, "messages": [{"role": "user", "content": "hi"}]}
        )

    def reloads():
        answer = requests.get(gatehouse.base_url + "/audit?action=config.reload", headers=admin).json()
        return answer["records"]

    def hang_up_and_wait(count):
        os.kill(gatehouse.process.pid, signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline and len(reloads()) < count:
            time.sleep(0.1)
        records = reloads()
        assert len(records) == count
        return records[0]

    try:
        assert models() == ["alpha"]
        config_file.write_text(AFTER + master)
        record = hang_up_and_wait(1)
        assert record["outcome"] == "success"
        assert record["details"]["models_added"] == ["beta"] and record["details"]["models_removed"] == ["alpha"]
        assert record["details"]["router_changed"] is True
        assert record["details"]["needs_restart"] == ["gatehouse_settings"]
        assert models() == ["beta"]
        assert chat("beta").status_code == 200
        assert chat("alpha").status_code == 404
        assert "gatehouse_settings` changed and applies at the next start" in gatehouse.stderr

        # A broken file: refused, audited, and the running models stay.
        config_file.write_text("model_list: 5\n" + master)
        record = hang_up_and_wait(2)
        assert record["outcome"] == "failure" and record["details"]["reason"] == "invalid at model_list"
        assert models() == ["beta"] and chat("beta").status_code == 200
        assert "configuration reload failed" in gatehouse.stderr
        assert gatehouse.process.poll() is None
    finally:
        gatehouse.stop()
