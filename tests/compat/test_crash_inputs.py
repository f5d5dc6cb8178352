"""Issue 14's crash test: every input the attack review found to stop the process (integer
overflows from a body, a query, a token claim, an upstream's usage; bodies over the limit sent
chunked or with `Connection: close`), sent to the real binary — scripts/test runs this file again
against the release binary — which must answer each with a clear status and keep serving."""
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gatehouse_process import Gatehouse

SECRET = "crash-test-secret-with-at-least-thirty-two-bytes"
ISSUER = "https://crash.test"


class AbsurdUpstream(BaseHTTPRequestHandler):
    """An OpenAI-compatible upstream reporting usage no model ever had."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1e300, "completion_tokens": 9.3e18, "total_tokens": -1},
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), AbsurdUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    config = f"""
model_list:
  - model_name: priced
    litellm_params:
      model: mock/priced
      input_cost_per_token: 0.001
      output_cost_per_token: 0.001
  - model_name: silent
    litellm_params:
      model: mock/silent
      mock_report_usage: false
      input_cost_per_token: 0.001
      output_cost_per_token: 0.001
  - model_name: absurd
    litellm_params:
      model: openai/absurd
      api_base: http://127.0.0.1:{upstream.server_port}/v1
      api_key: sk-upstream-crash-test-key
      input_cost_per_token: 1
      output_cost_per_token: 1
gatehouse_settings:
  max_request_body_bytes: 65536
jwt_issuers:
  - name: crash
    issuer: {ISSUER}
    audience: gatehouse
    algorithms: [HS256]
    keys:
      - secret: {SECRET}
    limit_claims: {{rpm_limit: rpm, tpm_limit: tpm, max_budget: budget}}
"""
    instance = Gatehouse(tmp_path_factory.mktemp("crash"), config)
    yield instance
    instance.stop()
    upstream.shutdown()


def request(gatehouse, method, path, body=None, key=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {"authorization": f"Bearer {key or gatehouse.master_key}", "content-type": "application/json"}
    req = urllib.request.Request(gatehouse.base_url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def raw(gatehouse, data, wait=5):
    """Bytes on a fresh connection; what comes back before the server closes it or `wait` passes."""
    with socket.create_connection(("127.0.0.1", gatehouse.port), timeout=wait) as connection:
        try:
            connection.sendall(data)
        except OSError:
            pass  # the server may answer and close before the whole body is written
        received = b""
        deadline = time.time() + wait
        while b"\r\n\r\n" not in received and time.time() < deadline:
            try:
                chunk = connection.recv(65536)
            except (socket.timeout, OSError):
                break
            if not chunk:
                break
            received += chunk
        return received.decode(errors="replace")


def token(**claims):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    payload = {"iss": ISSUER, "aud": "gatehouse", "sub": "mallory", "iat": now, "exp": now + 300, **claims}
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest())


def alive(gatehouse):
    assert gatehouse.process.poll() is None, f"gatehouse died: {gatehouse.stderr[-2000:]}"
    with urllib.request.urlopen(gatehouse.base_url + "/health/liveliness", timeout=5) as response:
        assert response.status == 200


def test_every_input_that_once_stopped_the_process_is_answered_and_it_keeps_serving(gatehouse):
    status, _ = request(gatehouse, "POST", "/key/generate", {"duration": "9999999999999d"})
    assert status == 400
    alive(gatehouse)

    status, budgeted = request(gatehouse, "POST", "/key/generate", {"max_budget": 5})
    assert status == 200
    status, _ = request(gatehouse, "POST", "/key/regenerate", {"key": budgeted["key"], "grace_period": "9999999999999d"})
    assert status == 400
    alive(gatehouse)

    for path in ["/key/list", "/audit", "/user/list", "/oauth/client/list"]:
        status, _ = request(gatehouse, "GET", f"{path}?page=9223372036854775807")
        assert status == 200, path
    alive(gatehouse)

    _, unbudgeted = request(gatehouse, "POST", "/key/generate", {})
    absurd_max_tokens = [
        ("priced", budgeted["key"], {"max_tokens": 8999999999999999}),
        ("silent", unbudgeted["key"], {"max_tokens": 8999999999999999}),
        ("priced", budgeted["key"], {"max_tokens": 0}),
        ("priced", budgeted["key"], {"max_tokens": -1}),
        ("priced", budgeted["key"], {"max_tokens": 10, "max_completion_tokens": 0}),
        ("priced", budgeted["key"], {"max_tokens": 1e300}),
    ]
    for model, key, fields in absurd_max_tokens:
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}], **fields}
        status, answer = request(gatehouse, "POST", "/v1/chat/completions", body, key=key)
        assert status == 400, (fields, answer)
        alive(gatehouse)

    status, _ = request(gatehouse, "GET", "/v1/models", key=token(rpm=1e300, tpm=9.3e18, budget=1e308))
    assert status == 200
    alive(gatehouse)

    body = {"model": "absurd", "messages": [{"role": "user", "content": "hi"}]}
    status, _ = request(gatehouse, "POST", "/v1/chat/completions", body, key=unbudgeted["key"])
    assert status == 200
    status, info = request(gatehouse, "GET", f"/key/info?key={unbudgeted['token']}")
    assert status == 200 and 0 <= info["info"]["spend"] < 1e9
    alive(gatehouse)

    big = b"x" * (2 * 1024 * 1024)
    head = f"Host: x\r\nAuthorization: Bearer {gatehouse.master_key}\r\nContent-Type: application/json\r\n"
    for path in ["/v1/chat/completions", "/key/generate", "/login"]:
        chunked = f"POST {path} HTTP/1.1\r\n{head}Transfer-Encoding: chunked\r\n\r\n{len(big):x}\r\n".encode() + big + b"\r\n0\r\n\r\n"
        assert raw(gatehouse, chunked).startswith("HTTP/1.1 413"), path
        closing = f"POST {path} HTTP/1.1\r\n{head}Connection: close\r\nContent-Length: {len(big)}\r\n\r\n".encode() + big
        assert raw(gatehouse, closing).startswith("HTTP/1.1 413"), path
        alive(gatehouse)
