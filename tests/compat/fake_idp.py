"""An identity provider stub on 127.0.0.1: OIDC discovery and a JWKS that tests can rotate, and
an RFC 7662 introspection endpoint, counting every request so that tests can see what Gatehouse
fetched."""
import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeIdP:
    def __init__(self):
        self.jwks = {"keys": []}
        self.requests = []
        # token -> introspection answer; CLIENT is what Gatehouse must authenticate as.
        self.tokens = {}
        self.client = ("gatehouse", "introspection-secret")
        self.introspection_status = 200
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.issuer = f"http://127.0.0.1:{self.port}"

    def _handler(self):
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                idp.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": idp.issuer, "jwks_uri": idp.issuer + "/jwks"}
                elif self.path == "/jwks":
                    body = idp.jwks
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                idp.requests.append(self.path)
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
                expected = "Basic " + base64.b64encode(":".join(idp.client).encode()).decode()
                if self.path != "/introspect" or self.headers.get("authorization") != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                data = json.dumps(idp.tokens.get(form.get("token", [""])[0], {"active": False})).encode()
                self.send_response(idp.introspection_status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
