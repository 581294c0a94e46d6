#!/usr/bin/env python3
"""Cross-checks tokens made by ConnectAdmin's host simulator with Atlassian's own Python
implementation (`atlassian-jwt` from PyPI): each sample line is secret, method, URL, token;
the token must verify with the secret (PyJWT, HS256) and its qsh must equal atlassian-jwt's
hash of the request. Prints 'atlassian-jwt: N passed, N failed'."""
import sys

import jwt
from atlassian_jwt.url_utils import canonicalize_request, hash_url

passed = failed = 0
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line:
        continue
    secret, method, url, token = line.split("\t")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_aud": False})
        expected = hash_url(method, url)
        if claims["qsh"] != expected:
            raise ValueError(f"qsh {claims['qsh']} != {expected} for {canonicalize_request(method, url)}")
        passed += 1
    except Exception as error:  # noqa: BLE001 - report every failure and go on
        print(f"FAIL {method} {url}: {error}")
        failed += 1
print(f"atlassian-jwt: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
