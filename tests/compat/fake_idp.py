"""An identity provider stub on 127.0.0.1: OIDC discovery and a JWKS that tests can rotate, and
an RFC 7662 introspection endpoint, counting every request so that tests can see what Gatehouse
fetched."""
import base64
import urllib.parse
from http.server import BaseHTTPRequestHandler

from local_server import LocalServer, send_json


class FakeIdP(LocalServer):
    def __init__(self):
        self.jwks = {"keys": []}
        self.requests = []
        # token -> introspection answer; CLIENT is what Gatehouse must authenticate as.
        self.tokens = {}
        self.client = ("gatehouse", "introspection-secret")
        self.introspection_status = 200
        super().__init__(self._handler())
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
                send_json(self, body)

            def do_POST(self):
                idp.requests.append(self.path)
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
                expected = "Basic " + base64.b64encode(":".join(idp.client).encode()).decode()
                if self.path != "/introspect" or self.headers.get("authorization") != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                send_json(self, idp.tokens.get(form.get("token", [""])[0], {"active": False}), status=idp.introspection_status)

            def log_message(self, *args):
                pass

        return Handler
