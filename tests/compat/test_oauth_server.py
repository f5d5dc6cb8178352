"""Gatehouse as an OAuth 2.0 authorization server, driven by a standard OAuth client library
(requests-oauthlib), its tokens verified independently (PyJWT against the published JWKS), and
used by the official OpenAI SDK."""
import json
import os
import urllib.request

import jwt
import openai
import pytest
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from gatehouse_process import Gatehouse

# oauthlib insists on https; these tests talk to a Gatehouse on 127.0.0.1 only.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


@pytest.fixture(scope="module")
def gatehouse(tmp_path_factory):
    config = "model_list:\n  - model_name: mock-gpt\n    litellm_params:\n      model: mock/mock-gpt\n"
    instance = Gatehouse(tmp_path_factory.mktemp("oauth"), config)
    yield instance
    instance.stop()


def register(gatehouse, body):
    request = urllib.request.Request(
        gatehouse.base_url + "/oauth/client/new", data=json.dumps(body).encode(),
        headers={"authorization": f"Bearer {gatehouse.master_key}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def get_json(url):
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def test_a_standard_oauth_client_gets_a_token_the_openai_sdk_can_use(gatehouse):
    client = register(gatehouse, {"name": "batch", "scopes": ["chat"], "models": ["mock-gpt"]})
    metadata = get_json(gatehouse.base_url + "/.well-known/oauth-authorization-server")
    session = OAuth2Session(client=BackendApplicationClient(client_id=client["client_id"]))
    token = session.fetch_token(token_url=metadata["token_endpoint"].replace(metadata["issuer"], gatehouse.base_url),
                                client_id=client["client_id"], client_secret=client["client_secret"])
    assert token["token_type"] == "Bearer" and token["scope"] == ["chat"]

    # Verified by an independent implementation against the published keys.
    jwks = jwt.PyJWKClient(gatehouse.base_url + "/.well-known/jwks.json")
    signing_key = jwks.get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(token["access_token"], signing_key.key, algorithms=["ES256", "EdDSA"], audience=metadata["issuer"],
                        issuer=metadata["issuer"])
    assert claims["client_id"] == client["client_id"] and claims["scope"] == "chat"
    assert jwt.get_unverified_header(token["access_token"])["typ"] == "at+jwt"

    openai_client = openai.OpenAI(base_url=gatehouse.base_url + "/v1", api_key=token["access_token"], max_retries=0)
    completion = openai_client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content


def test_a_wrong_secret_is_invalid_client(gatehouse):
    client = register(gatehouse, {"scopes": ["chat"]})
    session = OAuth2Session(client=BackendApplicationClient(client_id=client["client_id"]))
    with pytest.raises(Exception) as caught:
        session.fetch_token(token_url=gatehouse.base_url + "/oauth/token", client_id=client["client_id"],
                            client_secret=client["client_secret"] + "x")
    assert "invalid_client" in str(caught.value)
