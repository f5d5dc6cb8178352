"""Makes an RS256 and an ES256 signing key for the benchmark, writes their public halves where
bench/gatehouse.yaml's `jwt_issuers` expect them, and prints one token for each (valid for an hour)."""
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

work = sys.argv[1]
now = int(time.time())
claims = {"iss": "https://bench.idp", "aud": "gatehouse", "sub": "bench-user", "iat": now, "exp": now + 3600}
for name, key in (("rs256", rsa.generate_private_key(public_exponent=65537, key_size=2048)), ("es256", ec.generate_private_key(ec.SECP256R1()))):
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    open(f"{work}/jwt-{name}.pem", "wb").write(pem)
    print(jwt.encode(claims, key, algorithm=name.upper(), headers={"kid": name}))
