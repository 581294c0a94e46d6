#!/usr/bin/env python3
"""A stand-in for Atlassian's OAuth 2.0 authorization server, for `connect-admin jwt exchange` tests.

Written for this project from Atlassian's "User impersonation for Connect apps" page: it checks an
act-as-user assertion the way that page describes and answers as the real server does, with an
access token or a 400 `invalid_grant`. Standard library only, loopback only.

    authorization_server.py --tenants TENANTS.json [--port 0]

TENANTS.json: [{"oauthClientId": ..., "sharedSecret": ..., "baseUrl": ...}, ...]. The first line on
stdout is `listening on PORT`. POST {prefix}/oauth2/token with the form fields grant_type,
assertion and scope. A path starting with /hang never answers (to test client timeouts).
"""
import argparse
import base64
import hashlib
import hmac
import json
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AUDIENCE = "https://oauth-2-authorization-server.services.atlassian.com"
ISSUER_PREFIX = "urn:atlassian:connect:clientid:"
SUBJECT_PREFIX = "urn:atlassian:connect:useraccountid:"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_LIFETIME = 60
LEEWAY = 30


def b64decode(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class Refusal(Exception):
    def __init__(self, error, description):
        super().__init__(description)
        self.error = error
        self.description = description


def check_assertion(assertion, tenants, now):
    """The claims of a good assertion, or a Refusal saying what is wrong with it."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise Refusal("invalid_grant", "Malformed JWT")
    try:
        header = json.loads(b64decode(parts[0]))
        claims = json.loads(b64decode(parts[1]))
        signature = b64decode(parts[2])
    except ValueError:
        raise Refusal("invalid_grant", "Malformed JWT")
    if header.get("alg") != "HS256":
        raise Refusal("invalid_grant", "Unsupported JWT algorithm")
    iss = claims.get("iss")
    if not isinstance(iss, str) or not iss.startswith(ISSUER_PREFIX):
        raise Refusal("invalid_grant", "Invalid issuer")
    tenant = tenants.get(iss[len(ISSUER_PREFIX):])
    if tenant is None:
        raise Refusal("invalid_grant", "Unknown client")
    signing_input = (parts[0] + "." + parts[1]).encode()
    expected = hmac.new(tenant["sharedSecret"].encode(), signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise Refusal("invalid_grant", "Invalid JWT signature")
    if "aud" not in claims:
        raise Refusal("invalid_grant", "missing aud")
    aud = claims["aud"]
    if (aud[0] if isinstance(aud, list) and aud else aud) != AUDIENCE:
        raise Refusal("invalid_grant", "Invalid audience")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > MAX_LIFETIME or exp <= iat:
        raise Refusal("invalid_grant", "wrong expiry time")
    if exp + LEEWAY < now:
        raise Refusal("invalid_grant", "JWT expired")
    if iat - LEEWAY > now:
        raise Refusal("invalid_grant", "JWT issued in the future")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(SUBJECT_PREFIX) or len(sub) == len(SUBJECT_PREFIX):
        raise Refusal("invalid_grant", "Invalid subject")
    if claims.get("tnt") != tenant["baseUrl"]:
        raise Refusal("invalid_grant", "Invalid tenant")
    if "qsh" in claims:
        raise Refusal("invalid_grant", "Unexpected qsh")
    return claims


class Handler(BaseHTTPRequestHandler):
    tenants = {}

    def log_message(self, format, *args):  # quiet: tests read stdout
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.path.startswith("/hang"):
            time.sleep(120)
            return
        if self.path.startswith("/redirect"):
            # A 307 elsewhere: a client that follows it sends the assertion there too.
            self.send_response(307)
            self.send_header("Location", "http://elsewhere.example/oauth2/token")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/drip"):
            # A head at once, then the body a byte a second.
            body = b'{"access_token": "dripped", "expires_in": 900, "token_type": "Bearer"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        if not self.path.endswith("/oauth2/token"):
            return self.answer(404, {"error": "not_found"})
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        field = lambda name: (form.get(name) or [""])[0]
        if field("grant_type") != GRANT_TYPE:
            return self.answer(400, {"error": "unsupported_grant_type", "error_description": "grant_type must be " + GRANT_TYPE})
        scope = field("scope")
        if not scope or any(not word.isupper() for word in scope.split(" ")):
            return self.answer(400, {"error": "invalid_scope", "error_description": "scope must be upper-case scope names"})
        try:
            check_assertion(field("assertion"), self.tenants, int(time.time()))
        except Refusal as refusal:
            return self.answer(400, {"error": refusal.error, "error_description": refusal.description})
        self.answer(200, {"access_token": "standin-" + secrets.token_urlsafe(24), "expires_in": 900,
                          "token_type": "Bearer", "scope": scope})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", required=True)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    # A parent may start us with signals blocked (test runners do); SIGTERM must stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.Signals))
    with open(arguments.tenants) as file:
        Handler.tenants = {tenant["oauthClientId"]: tenant for tenant in json.load(file)}
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
