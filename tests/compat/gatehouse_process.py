"""Starts the real gatehouse binary for a test and stops it afterwards."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("GATEHOUSE_BIN", ROOT / ".build" / "debug" / "gatehouse"))
MASTER_KEY = "sk-compat-Hq3vT9pXw2LmZr8Yc4Nd7Bf6Gk1Js5Ve0Ua"

# Every instance any test started: conftest scans their logs, streams and audit rows for secrets.
STARTED = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gatehouse:
    """A live Gatehouse with the given YAML config, on a free loopback port."""

    def __init__(self, tmp_path, config_yaml=None, master_key=MASTER_KEY, ssl_context=None):
        """ssl_context: for a config that serves HTTPS, how to reach it (trusted CA, client certificate)."""
        self.port = free_port()
        self.ssl_context = ssl_context
        self.base_url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{self.port}"
        self.workdir = tmp_path
        args = [str(BINARY), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if config_yaml is not None:
            if master_key:
                config_yaml += f"\ngeneral_settings:\n  master_key: {master_key}\n"
            path = tmp_path / "config.yaml"
            path.write_text(config_yaml)
            args += ["--config", str(path)]
        self.master_key = master_key
        # One pair of files per process (a restarted instance gets its own), all kept for the secret scan.
        self.stdout_path = tmp_path / f"stdout-{self.port}.txt"
        self.stderr_path = tmp_path / f"stderr-{self.port}.txt"
        self.process = subprocess.Popen(
            args, cwd=tmp_path, stdout=open(self.stdout_path, "w"), stderr=open(self.stderr_path, "w")
        )
        STARTED.append(self)
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gatehouse exited: {self.stderr_path.read_text()}")
            try:
                with urllib.request.urlopen(self.base_url + "/health/readiness", timeout=1, context=self.ssl_context) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gatehouse did not become ready")

    @property
    def stdout(self):
        return self.stdout_path.read_text()

    @property
    def stderr(self):
        return self.stderr_path.read_text()

    def console_page(self, path, **requests_options):
        """A console page's HTML as the proxy admin sees it (signed in with the master key);
        `requests_options` reach the gateway over TLS (verify, cert)."""
        import requests

        with requests.Session() as browser:
            login = browser.post(self.base_url + "/login", data={"username": "admin", "password": self.master_key}, timeout=10, **requests_options)
            assert login.status_code == 200, login.text
            page = browser.get(self.base_url + path, timeout=10, **requests_options)
            assert page.status_code == 200, page.text
            return page.text

    def terminate(self, timeout=30):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
