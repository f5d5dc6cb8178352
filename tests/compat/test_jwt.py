"""JWTs made by an independent implementation (PyJWT + cryptography), and opaque tokens checked
by introspection, against a live Gatehouse whose identity provider is a local stub serving
discovery, a JWKS and RFC 7662 introspection."""
import base64
import hashlib
import hmac
import json
import time

import jwt
import openai
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from fake_idp import FakeIdP
from gatehouse_process import Gatehouse

SHARED_ISSUER = "https://shared.test"
SHARED_SECRET = "compat-shared-secret-0123456789-abcdefghijklmnop"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def jwk(algorithm, key, kid):
    data = json.loads(algorithm.to_jwk(key.public_key()))
    data["kid"] = kid
    return data


@pytest.fixture(scope="module")
def idp():
    with FakeIdP() as fake:
        fake.jwks = {
            "keys": [jwk(RSAAlgorithm, RSA_KEY, "rsa-1"), jwk(ECAlgorithm, EC_KEY, "ec-1"), jwk(OKPAlgorithm, ED_KEY, "ed-1")]
        }
        yield fake


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory, idp):
    config = f"""
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: mock/mock-gpt
jwt_issuers:
  - name: idp
    issuer: {idp.issuer}
    audience: gatehouse
    algorithms: [RS256, ES256, EdDSA]
    discovery_url: {idp.issuer}/.well-known/openid-configuration
    unknown_kid_cooldown_seconds: 1
  - name: shared
    issuer: {SHARED_ISSUER}
    audience: gatehouse
    algorithms: [HS256]
    keys:
      - secret: {SHARED_SECRET}
oauth_introspection:
  - name: as
    url: {idp.issuer}/introspect
    client_id: gatehouse
    client_secret: introspection-secret
    cache_seconds: 1
"""
    instance = Gatehouse(tmp_path_factory.mktemp("jwt"), config)
    yield instance
    instance.stop()


def claims(issuer, **extra):
    now = int(time.time())
    return {"iss": issuer, "aud": "gatehouse", "sub": "alice", "iat": now, "exp": now + 300, **extra}


def chat(gatehouse, token):
    client = openai.OpenAI(base_url=gatehouse.base_url + "/v1", api_key=token, max_retries=0)
    return client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize(
    "algorithm,key,kid",
    [("RS256", RSA_KEY, "rsa-1"), ("ES256", EC_KEY, "ec-1"), ("EdDSA", ED_KEY, "ed-1"), ("HS256", SHARED_SECRET, None)],
)
def test_the_openai_sdk_completes_a_chat_with_a_pyjwt_token(gatehouse, idp, algorithm, key, kid):
    issuer = SHARED_ISSUER if algorithm == "HS256" else idp.issuer
    token = jwt.encode(claims(issuer), key, algorithm=algorithm, headers={"kid": kid} if kid else None)
    completion = chat(gatehouse, token)
    assert completion.choices[0].message.content


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_hs256(payload, secret):
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def test_forged_and_invalid_tokens_are_refused(gatehouse, idp):
    public_pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    refused = {
        "alg none": jwt.encode(claims(idp.issuer), None, algorithm="none"),
        "HS256 keyed with the RSA public key": forged_hs256(claims(idp.issuer), public_pem),
        "expired": jwt.encode(claims(idp.issuer, iat=now - 4000, exp=now - 3000), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"}),
        "not yet valid": jwt.encode(claims(idp.issuer, nbf=now + 600), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"}),
        "wrong audience": jwt.encode(claims(idp.issuer, aud="someone-else"), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"}),
        "attacker key with jku": jwt.encode(
            claims(idp.issuer), attacker, algorithm="RS256", headers={"kid": "rsa-1", "jku": idp.issuer + "/attacker-jwks"}
        ),
        "shared issuer's claims with the IdP's key": jwt.encode(claims(SHARED_ISSUER), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"}),
    }
    for name, token in refused.items():
        with pytest.raises(openai.AuthenticationError) as caught:
            chat(gatehouse, token)
        assert caught.value.status_code == 401, name
        assert token not in str(caught.value.body), name
    assert "/attacker-jwks" not in idp.requests


def test_a_rotated_key_is_accepted_after_one_refetch(gatehouse, idp):
    chat(gatehouse, jwt.encode(claims(idp.issuer), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"}))
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.jwks = {"keys": [jwk(RSAAlgorithm, rotated, "rsa-2")]}
    time.sleep(1.1)  # past the unknown-kid cooldown of this config
    before = idp.requests.count("/jwks")
    completion = chat(gatehouse, jwt.encode(claims(idp.issuer), rotated, algorithm="RS256", headers={"kid": "rsa-2"}))
    assert completion.choices[0].message.content
    assert idp.requests.count("/jwks") == before + 1


def test_the_openai_sdk_completes_a_chat_with_an_introspected_opaque_token(gatehouse, idp):
    idp.tokens["opaque-active"] = {"active": True, "sub": "bob", "exp": int(time.time()) + 300, "scope": "chat"}
    idp.tokens["opaque-revoked"] = {"active": False, "sub": "admin", "scope": "everything"}
    assert chat(gatehouse, "opaque-active").choices[0].message.content
    with pytest.raises(openai.AuthenticationError):
        chat(gatehouse, "opaque-revoked")
    with pytest.raises(openai.AuthenticationError):
        chat(gatehouse, "opaque-never-issued")


def test_a_failing_introspection_endpoint_fails_closed(gatehouse, idp):
    idp.tokens["opaque-while-down"] = {"active": True, "sub": "bob", "exp": int(time.time()) + 300}
    idp.introspection_status = 500
    try:
        with pytest.raises(openai.InternalServerError) as caught:
            chat(gatehouse, "opaque-while-down")
        assert caught.value.status_code == 503
    finally:
        idp.introspection_status = 200


def test_the_console_shows_each_issuers_key_set_and_the_failures_by_reason(gatehouse, idp):
    with pytest.raises(openai.AuthenticationError):  # one refused token at least, whatever ran before
        chat(gatehouse, forged_hs256(claims(idp.issuer), b"a-guessed-secret"))
    security = gatehouse.console_page("/ui/security")
    health = security[security.index("Authentication health"): security.index("Lockouts in force")]
    idp_row = health[health.index(idp.issuer) :]
    assert "Fresh" in idp_row[: idp_row.index("</tr>")] and "fetched" in idp_row[: idp_row.index("</tr>")]
    shared = health[health.index(SHARED_ISSUER) :]
    assert "Configured keys only" in shared[: shared.index("</tr>")]
    jwt_row = health[health.index('<td class="mono">jwt</td>') :]
    jwt_row = jwt_row[: jwt_row.index("</tr>")]
    assert "error-text" in jwt_row, jwt_row  # failures counted, by reason
