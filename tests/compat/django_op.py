"""A real OpenID Provider for the single sign-on tests: django-oidc-provider (from PyPI) in
Django's own server on loopback, with its database in a temporary folder. Reached as
`http://localhost:<port>` so that, to the browser, it is another site than Gatehouse on
`127.0.0.1`."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gatehouse_process import free_port

HERE = Path(__file__).resolve().parent / "oidc_op"


class DjangoOP:
    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.issuer = self.url + "/openid"
        self.env = dict(
            os.environ, OP_DIR=str(workdir), OP_URL=self.url, DJANGO_SETTINGS_MODULE="op_settings", PYTHONPATH=str(HERE)
        )
        self.admin("init")
        self.log = open(Path(workdir) / "op.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(self.issuer + "/.well-known/openid-configuration", timeout=1):
                    return
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the OpenID Provider did not start: " + (Path(workdir) / "op.log").read_text())
                time.sleep(0.2)

    def admin(self, *args):
        """Runs one op_admin.py command against the provider's database."""
        subprocess.run([sys.executable, str(HERE / "op_admin.py"), *args], env=self.env, check=True, capture_output=True)

    def register_client(self, client_id, secret, redirect_uri):
        self.admin("client", client_id, secret, redirect_uri)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
