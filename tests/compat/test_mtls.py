"""Client certificates: the official OpenAI SDK (through its HTTP client carrying a certificate)
and curl complete a chat over mutual TLS; certificates are made at test time."""
import datetime
import json
import ssl
import subprocess
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from openai import DefaultHttpxClient, OpenAI

import time

from gatehouse_process import BINARY, Gatehouse

SPIFFE = "spiffe://acme.test/ns/prod/sa/sdk"


def issue(directory, name, ca=None, ca_key=None, san=None, usage=None, is_ca=False, key=None, common_name=None):
    """A certificate and key in `directory/name.pem` and `.key`; its subject's CN is `common_name` or `name`."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name or name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    certificate = builder.sign(ca_key or key, hashes.SHA256())
    (directory / f"{name}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate, key, str(directory / f"{name}.pem"), str(directory / f"{name}.key")


def required_client_certificates(server_cert, server_key, ca_file, *settings):
    """A config serving one mock model over HTTPS that requires client certificates of `ca_file`."""
    lines = [
        "model_list:", "  - model_name: m", "    litellm_params: {model: mock/m}", "gatehouse_settings:",
        f"  tls_cert_file: {server_cert}", f"  tls_key_file: {server_key}", "  tls_client_auth: required", f"  tls_client_ca_file: {ca_file}",
    ]
    return "\n".join(lines + [f"  {setting}" for setting in settings]) + "\n"


def test_openai_sdk_and_curl_complete_a_chat_with_a_client_certificate(tmp_path):
    import ipaddress

    ca, ca_key, ca_file, _ = issue(tmp_path, "ca", is_ca=True)
    _, _, server_cert, server_key = issue(
        tmp_path, "server", ca, ca_key, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))], usage=[ExtendedKeyUsageOID.SERVER_AUTH]
    )
    _, _, client_cert, client_key = issue(
        tmp_path, "client", ca, ca_key, san=[x509.UniformResourceIdentifier(SPIFFE)], usage=[ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    config = required_client_certificates(server_cert, server_key, ca_file, "tls_client_identity: san_uri")
    context = ssl.create_default_context(cafile=ca_file)
    context.load_cert_chain(client_cert, client_key)
    gatehouse = Gatehouse(tmp_path, config, ssl_context=context)
    try:
        def admin(path, body):
            request = urllib.request.Request(
                gatehouse.base_url + path, data=json.dumps(body).encode(),
                headers={"authorization": f"Bearer {gatehouse.master_key}", "content-type": "application/json"},
            )
            with urllib.request.urlopen(request, context=context) as response:
                return json.load(response)

        key_id = admin("/key/generate", {"models": ["m"]})["token"]
        # Bound with the CLI, beside the running server: the change reaches it through the store.
        cli = [str(BINARY), "certificates"]
        bound = subprocess.run(cli + ["bind", "san_uri:" + SPIFFE, "--key-id", key_id, "--config", str(tmp_path / "config.yaml")],
                               capture_output=True, text=True, cwd=tmp_path)
        assert bound.returncode == 0, bound.stderr
        listed = subprocess.run(cli + ["list", "--config", str(tmp_path / "config.yaml")], capture_output=True, text=True, cwd=tmp_path)
        assert f"san_uri:{SPIFFE}\tkey {key_id}" in listed.stdout
        time.sleep(1.5)

        # The SDK's own HTTP client class, with an SSL context carrying the certificate.
        http_client = DefaultHttpxClient(verify=context)
        client = OpenAI(base_url=gatehouse.base_url + "/v1", api_key="mtls", http_client=http_client)
        reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "over mutual TLS"}])
        assert reply.choices[0].message.content == "You said: over mutual TLS"

        curl = subprocess.run(
            ["curl", "-sS", "--cert", client_cert, "--key", client_key, "--cacert", ca_file, gatehouse.base_url + "/v1/chat/completions",
             "-H", "content-type: application/json", "-d", json.dumps({"model": "m", "messages": [{"role": "user", "content": "curl"}]})],
            capture_output=True, text=True,
        )
        assert json.loads(curl.stdout)["choices"][0]["message"]["content"] == "You said: curl"
        # The console's security page: the binding with the certificate last seen and its expiry
        # (made for a day), the server's certificate and the client CA with theirs.
        security = gatehouse.console_page("/ui/security", verify=ca_file, cert=(client_cert, client_key))
        binding = security[security.index(f"san_uri:{SPIFFE}"):]
        binding = binding[: binding.index("</tr>")]
        assert "0 days left" in binding and "last seen" in binding and key_id in binding
        for role in ("server certificate (main listener)", "client CA (main listener)"):
            row = security[security.index(role):]
            assert "days left" in row[: row.index("</tr>")], role
        # Without a certificate the handshake fails: curl cannot even send the request.
        refused = subprocess.run(
            ["curl", "-sS", "--cacert", ca_file, gatehouse.base_url + "/v1/models", "-H", f"authorization: Bearer {gatehouse.master_key}"],
            capture_output=True, text=True,
        )
        assert refused.returncode != 0 and refused.stdout == ""
        unbound = subprocess.run(cli + ["unbind", "san_uri:" + SPIFFE, "--config", str(tmp_path / "config.yaml")],
                                 capture_output=True, text=True, cwd=tmp_path)
        assert unbound.returncode == 0, unbound.stderr
        time.sleep(1.5)
        try:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "still?"}])
            raise AssertionError("an unbound certificate was still accepted")
        except Exception as error:  # openai.PermissionDeniedError
            assert getattr(error, "status_code", None) == 403
    finally:
        gatehouse.stop()


def test_sighup_reloads_the_certificate_without_a_restart(tmp_path):
    import ipaddress
    import os
    import signal
    import socket
    import time

    def server_pair(name):
        ca, ca_key, ca_file, _ = issue(tmp_path, f"{name}-ca", is_ca=True)
        certificate, _, cert_file, key_file = issue(
            tmp_path, f"{name}-server", ca, ca_key, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
            usage=[ExtendedKeyUsageOID.SERVER_AUTH],
        )
        return ca_file, cert_file, key_file

    first_ca, first_cert, first_key = server_pair("first")
    second_ca, second_cert, second_key = server_pair("second")
    live_cert, live_key = tmp_path / "live.pem", tmp_path / "live.key"
    live_cert.write_bytes(open(first_cert, "rb").read())
    live_key.write_bytes(open(first_key, "rb").read())
    config = (
        "gatehouse_settings:\n"
        f"  tls_cert_file: {live_cert}\n"
        f"  tls_key_file: {live_key}\n"
        "  tls_reload_check_seconds: 3600\n"  # only the signal can reload it within this test
    )
    gatehouse = Gatehouse(tmp_path, config, ssl_context=ssl.create_default_context(cafile=first_ca))

    def handshake_succeeds(ca_file):
        context = ssl.create_default_context(cafile=ca_file)
        try:
            with socket.create_connection(("127.0.0.1", gatehouse.port), timeout=2) as raw:
                with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                    return True
        except ssl.SSLError:
            return False

    try:
        assert handshake_succeeds(first_ca) and not handshake_succeeds(second_ca)
        live_key.write_bytes(open(second_key, "rb").read())
        live_cert.write_bytes(open(second_cert, "rb").read())
        time.sleep(0.3)
        assert handshake_succeeds(first_ca), "reloaded without being asked"
        os.kill(gatehouse.process.pid, signal.SIGHUP)
        deadline = time.time() + 5
        while time.time() < deadline and not handshake_succeeds(second_ca):
            time.sleep(0.1)
        assert handshake_succeeds(second_ca) and not handshake_succeeds(first_ca)
        assert gatehouse.process.poll() is None
    finally:
        gatehouse.stop()


def test_a_crl_made_by_another_tool_is_honoured(tmp_path):
    """A DER CRL with the extensions real CAs write (CRL number, authority key id, reasons),
    signed with RSA by the `cryptography` package: its revoked client cannot complete a handshake."""
    import ipaddress

    ca, ca_key, ca_file, _ = issue(tmp_path, "ca", is_ca=True, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    _, _, server_cert, server_key = issue(
        tmp_path, "server", ca, ca_key, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))], usage=[ExtendedKeyUsageOID.SERVER_AUTH]
    )
    kept = issue(tmp_path, "kept", ca, ca_key, usage=[ExtendedKeyUsageOID.CLIENT_AUTH])
    revoked = issue(tmp_path, "revoked", ca, ca_key, usage=[ExtendedKeyUsageOID.CLIENT_AUTH])
    now = datetime.datetime.now(datetime.timezone.utc)
    entry = (
        x509.RevokedCertificateBuilder().serial_number(revoked[0].serial_number).revocation_date(now)
        .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build()
    )
    crl = (
        x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(now).next_update(now + datetime.timedelta(days=7))
        .add_revoked_certificate(entry)
        .add_extension(x509.CRLNumber(42), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (tmp_path / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    config = required_client_certificates(
        server_cert, server_key, ca_file, f"tls_client_crl_file: {tmp_path / 'ca.crl'}", "tls_client_verify_depth: 1")
    context = ssl.create_default_context(cafile=ca_file)
    context.load_cert_chain(kept[2], kept[3])
    gatehouse = Gatehouse(tmp_path, config, ssl_context=context)
    try:
        def models(certificate):
            return subprocess.run(
                ["curl", "-sS", "--cert", certificate[2], "--key", certificate[3], "--cacert", ca_file, gatehouse.base_url + "/v1/models",
                 "-H", f"authorization: Bearer {gatehouse.master_key}"],
                capture_output=True, text=True,
            )

        answered = models(kept)
        assert answered.returncode == 0 and json.loads(answered.stdout)["data"][0]["id"] == "m"
        refused = models(revoked)
        assert refused.returncode != 0 and refused.stdout == ""
    finally:
        gatehouse.stop()


def test_a_refused_certificates_subject_cannot_forge_a_log_line(tmp_path):
    """Issue 14, finding 9: a client certificate whose subject holds a newline wrote a forged line
    into the text log when the handshake refused it. Every value the text log writes is escaped."""
    import ipaddress

    ca, ca_key, ca_file, _ = issue(tmp_path, "ca", is_ca=True)
    _, _, server_cert, server_key = issue(
        tmp_path, "server", ca, ca_key, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))], usage=[ExtendedKeyUsageOID.SERVER_AUTH]
    )
    forged = "FORGED info gatehouse: admin signed in"
    revoked = issue(tmp_path, "forger", ca, ca_key, usage=[ExtendedKeyUsageOID.CLIENT_AUTH], common_name="m\n" + forged)
    now = datetime.datetime.now(datetime.timezone.utc)
    crl = (
        x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(now).next_update(now + datetime.timedelta(days=7))
        .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(revoked[0].serial_number).revocation_date(now).build())
        .sign(ca_key, hashes.SHA256())
    )
    (tmp_path / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    config = required_client_certificates(server_cert, server_key, ca_file, f"tls_client_crl_file: {tmp_path / 'ca.crl'}")
    kept = issue(tmp_path, "kept", ca, ca_key, usage=[ExtendedKeyUsageOID.CLIENT_AUTH])
    context = ssl.create_default_context(cafile=ca_file)
    context.load_cert_chain(kept[2], kept[3])
    gatehouse = Gatehouse(tmp_path, config, ssl_context=context)
    try:
        refused = subprocess.run(
            ["curl", "-sS", "--cert", revoked[2], "--key", revoked[3], "--cacert", ca_file, gatehouse.base_url + "/v1/models"],
            capture_output=True, text=True,
        )
        assert refused.returncode != 0
        deadline = time.time() + 5
        while "client certificate refused" not in gatehouse.stderr and time.time() < deadline:
            time.sleep(0.05)
        lines = gatehouse.stderr.splitlines()
        refusal = [line for line in lines if "client certificate refused" in line]
        assert len(refusal) == 1 and "\\n" + forged in refusal[0]
        assert not any(line.startswith(forged) for line in lines)
    finally:
        gatehouse.stop()
