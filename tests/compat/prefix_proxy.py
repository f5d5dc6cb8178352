"""A TLS-terminating reverse proxy on 127.0.0.1 for the console's sub-path test: HTTPS in front,
Gatehouse over plain HTTP behind, served under a path prefix (`/gatehouse/…` → `/…`) and saying
so in `X-Forwarded-Prefix`, `X-Forwarded-Proto` and `X-Forwarded-For`, as nginx or a cloud load
balancer would. The Host header is passed on. Every path asked for is recorded."""
import http.client
import ssl
from http.server import BaseHTTPRequestHandler

from local_server import LocalServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"}


class PrefixProxy(LocalServer):
    def __init__(self, upstream_port, prefix, cert_file, key_file):
        self.upstream_port = upstream_port
        self.prefix = prefix
        self.paths = []
        super().__init__(self._handler())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.base_url = f"https://127.0.0.1:{self.port}{prefix}"

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                proxy.paths.append(self.path)
                if not (self.path + "/").startswith(proxy.prefix + "/"):
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("content-length", 0) or 0))
                headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
                headers.update({"X-Forwarded-Prefix": proxy.prefix, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_address[0]})
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                upstream.request(self.command, self.path[len(proxy.prefix):] or "/", body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = forward

            def log_message(self, *args):
                pass

        return Handler
