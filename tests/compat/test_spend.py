"""Spend is never lost: written at SIGTERM, reloaded after a restart, budgets hold across it."""
import json
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal

from gatehouse_process import Gatehouse

# Output $0.001 a token, 10 tokens a request: each request costs exactly $0.01. Spend is written
# only every 30 s, so whatever reaches the store before exit was written by the shutdown flush.
CONFIG = (
    "model_list:\n"
    "  - model_name: priced\n"
    "    litellm_params:\n"
    "      model: mock/priced\n"
    "      mock_latency_ms: 30\n"
    "      mock_completion_tokens: 10\n"
    "      input_cost_per_token: 0\n"
    "      output_cost_per_token: 0.001\n"
    "gatehouse_settings:\n"
    "  spend_flush_interval_seconds: 30\n"
    "  shutdown_grace_seconds: 10\n"
)
CHAT = {"model": "priced", "max_tokens": 10, "messages": [{"role": "user", "content": "bill me"}]}


def call(gatehouse, path, key, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        gatehouse.base_url + path, data=data, headers={"authorization": f"Bearer {key}", "content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_spend_of_a_burst_cut_by_sigterm_is_all_in_the_store_after_restart(tmp_path):
    gatehouse = Gatehouse(tmp_path, CONFIG)
    master = gatehouse.master_key
    completed = []
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                call(gatehouse, "/v1/chat/completions", master, CHAT)
                with lock:
                    completed.append(1)
            except (urllib.error.URLError, ConnectionError, OSError):
                return

    try:
        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        gatehouse.stop()
    assert len(completed) > 20

    gatehouse = Gatehouse(tmp_path, CONFIG)
    try:
        total = call(gatehouse, "/global/spend", master)
        assert Decimal(total["spend_exact"]) == Decimal("0.01") * len(completed)
        logs = call(gatehouse, "/spend/logs?limit=1000", master)
        assert len(logs) == len(completed)
        assert all(row["status"] == "success" and row["status_code"] == 200 and row["spend_exact"] == "0.01" for row in logs)
    finally:
        gatehouse.stop()


def test_a_budget_holds_across_a_restart(tmp_path):
    gatehouse = Gatehouse(tmp_path, CONFIG)
    master = gatehouse.master_key
    try:
        created = call(gatehouse, "/key/generate", master, {"max_budget": 0.05, "budget_duration": "30d"})
        key = created["key"]
        for _ in range(3):
            call(gatehouse, "/v1/chat/completions", key, CHAT)
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
    finally:
        gatehouse.stop()

    gatehouse = Gatehouse(tmp_path, CONFIG)
    try:
        assert call(gatehouse, "/key/info?key=" + created["token"], master)["info"]["spend"] == 0.03
        for _ in range(2):
            call(gatehouse, "/v1/chat/completions", key, CHAT)
        try:
            call(gatehouse, "/v1/chat/completions", key, CHAT)
            raise AssertionError("a spent budget admitted a request after a restart")
        except urllib.error.HTTPError as error:
            assert error.code == 400
            assert json.load(error)["error"]["type"] == "budget_exceeded"
    finally:
        gatehouse.stop()
