"""The audit trail survives shutdown and restarts as one hash chain, and `gatehouse audit verify`
proves it intact or names the first altered, missing or reordered record."""
import json
import sqlite3
import subprocess
import urllib.error
import urllib.request

from gatehouse_process import BINARY, Gatehouse

# Records are written only every 30 s: whatever is in the store after exit was written at shutdown.
CONFIG = (
    "model_list:\n"
    "  - model_name: m\n"
    "    litellm_params: {model: mock/m}\n"
    "gatehouse_settings:\n"
    "  audit_flush_interval_seconds: 30\n"
)


def call(gatehouse, path, key, body=None):
    request = urllib.request.Request(
        gatehouse.base_url + path, data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def verify(tmp_path):
    return subprocess.run([str(BINARY), "audit", "verify", "--config", str(tmp_path / "config.yaml")],
                          capture_output=True, text=True, cwd=tmp_path)


def run_and_stop(tmp_path, generated, failed):
    gatehouse = Gatehouse(tmp_path, CONFIG)
    try:
        for _ in range(generated):
            assert call(gatehouse, "/key/generate", gatehouse.master_key, {"models": ["m"]}) == 200
        for _ in range(failed):
            assert call(gatehouse, "/v1/models", "sk-not-a-key") == 401
        assert gatehouse.terminate() == 0, gatehouse.stderr[-4000:]
    finally:
        gatehouse.stop()


def test_the_trail_survives_restarts_and_verify_names_tampering(tmp_path):
    run_and_stop(tmp_path, generated=3, failed=5)
    intact = verify(tmp_path)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact: 8 records" in intact.stdout
    run_and_stop(tmp_path, generated=1, failed=1)
    assert "intact: 10 records" in verify(tmp_path).stdout

    database = sqlite3.connect(tmp_path / "gatehouse-data" / "gatehouse.sqlite")
    rows = {row[0]: row for row in database.execute("SELECT * FROM gatehouse_audit ORDER BY sequence")}
    assert [rows[n][2] for n in (1, 4, 9, 10)] == ["key.generate", "auth.failure", "key.generate", "auth.failure"]

    def tampered(*statements):
        for statement in statements:
            database.execute(statement)
        database.commit()
        result = verify(tmp_path)
        assert result.returncode == 1
        return result.stdout

    def restore():
        database.execute("DELETE FROM gatehouse_audit")
        database.executemany(f"INSERT INTO gatehouse_audit VALUES ({', '.join('?' * 10)})", rows.values())
        database.commit()
        assert verify(tmp_path).returncode == 0

    assert "record 3 was altered" in tampered("UPDATE gatehouse_audit SET actor = 'someone-else' WHERE sequence = 3")
    restore()
    assert "records are missing before record 6" in tampered("DELETE FROM gatehouse_audit WHERE sequence = 5")
    restore()
    swapped = tampered(
        "UPDATE gatehouse_audit SET sequence = -1 WHERE sequence = 7",
        "UPDATE gatehouse_audit SET sequence = 7 WHERE sequence = 8",
        "UPDATE gatehouse_audit SET sequence = 8 WHERE sequence = -1",
    )
    assert "record 7 was altered" in swapped
    restore()
    assert "cut off the end" in tampered("DELETE FROM gatehouse_audit WHERE sequence = 10")
    database.close()
