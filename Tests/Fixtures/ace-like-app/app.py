#!/usr/bin/env python3
"""A small Connect app that is not ours, for the sidecar tests (`connect-server --upstream`).

It behaves like an atlassian-connect-express app where the sidecar can see it: it serves its
descriptor, stores each tenant's `/installed` body as ACE's Sequelize adapter does (table
`AddonSettings`, one `clientInfo` row per clientKey whose `val` is the JSON body, in SQLite), and
checks request tokens itself with Atlassian's PyPI package atlassian-jwt, answering 400 to a bad
one as ACE does. Every request it receives is appended to --log as `METHOD PATH`, so a test can
prove what never reached it. POST {base}/_control {"failInstalls": true} makes `/installed`
answer 500 (an app that refuses an install). Under {base}/public/ (no token): `slow?ms=N` answers
after N ms, `big?bytes=N` sends N bytes chunked (byte i is i mod 256; how many it has written so far
is `bigWritten` in `_control`'s answer), `drop` closes the connection 50 ms after answering, without
saying so, POST `early?hold=N` answers 413 before reading the body and then holds the connection N ms
without reading, and HEAD answers `?length=N` as the Content-Length of a body it does not send.

    app.py --db FILE --log FILE [--base-path /connect] [--key com.example.ace-like] [--lifecycle-prefix /hooks] [--tls]

--tls serves https with `tls/cert.pem`: a self-signed certificate for 127.0.0.1, made for these tests
(`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 -subj /CN=127.0.0.1
-addext subjectAltName=IP:127.0.0.1`) and trusted by nothing: its key is public, in `tls/key.pem`.

The first line on stdout is `listening on PORT`.
"""
import argparse
import hashlib
import json
import os
import signal
import sqlite3
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import atlassian_jwt
import jwt as pyjwt

LOCK = threading.Lock()
STATE = {"failInstalls": False, "bigWritten": 0}


def resolved(target):
    """A request path as a lenient server resolves it: every escape decoded, `\\` taken for `/`,
    `;` parameters dropped (Tomcat), empty and dot segments resolved; written apart from the
    sidecar's normalizer, so that the differential test compares two readings."""
    path = urllib.parse.unquote(target.split("?", 1)[0], errors="replace").replace("\\", "/")
    parts = []
    last = ""
    for part in path.split("/"):
        last = part = part.split(";", 1)[0]
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    # A path that ends in `/`, `.` or `..` names a directory: it keeps its trailing slash (RFC 3986 §5.2.4).
    return "/" + "/".join(parts) + ("/" if parts and last in ("", ".", "..") else "")


class Handler(BaseHTTPRequestHandler):
    db = ""
    log = ""
    base = ""
    key = ""
    lifecycle_prefix = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def record(self, body=b""):
        with LOCK, open(self.log, "a") as log:
            log.write(f"{self.command} {self.path}\n")
        # Everything a request brought that a proxy in front could get wrong, one JSON line each:
        # the tokens it carried, how long its body was, and the path as a lenient server (Tomcat,
        # Express with decodeURIComponent) resolves it.
        seen = {"method": self.command, "target": self.path, "resolved": resolved(self.path), "bodyLength": len(body),
                "authorization": self.headers.get_all("Authorization") or [], "acpt": self.headers.get_all("X-acpt") or [],
                "host": self.headers.get_all("Host") or [], "headers": [name.lower() for name in self.headers.keys()]}
        with LOCK, open(self.log + ".jsonl", "a") as log:
            log.write(json.dumps(seen) + "\n")

    def relative(self):
        path = self.path.split("?", 1)[0]
        return path[len(self.base):] if path.startswith(self.base) else None

    def do_GET(self):
        # A body on a GET is read and ignored, as Node's http does (the sidecar refuses them).
        self.handle_any(self.body())

    def do_POST(self):
        if self.relative() == "/public/early":
            # An app that refuses an upload before reading it, then neither reads nor lets go.
            self.record()
            self.reply(413, {"error": "too large"}, {"Connection": "close"})
            time.sleep(self.query_number("hold") / 1000)
            return
        self.handle_any(self.body())

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_PROPFIND = do_POST

    def handle_any(self, body):
        self.record(body)
        path = self.relative()
        if path == "/atlassian-connect.json":
            return self.reply(200, {"key": self.key, "baseUrl": "https://sidecar.example.test" + self.base,
                                    "authentication": {"type": "jwt"},
                                    "lifecycle": {event: f"{self.lifecycle_prefix}/{event}"
                                                  for event in ("installed", "uninstalled", "enabled", "disabled")}})
        if path == "/_control":
            STATE.update(json.loads(body or b"{}"))
            return self.reply(200, STATE)
        events = {f"{self.lifecycle_prefix}/{event}": event for event in ("installed", "uninstalled", "enabled", "disabled")}
        if path in events:
            return self.lifecycle(events[path], body)
        if path == "/public/redirect":
            return self.reply(302, {"moved": True}, {"Location": self.base + "/public/elsewhere"})
        if path is not None and path.startswith("/public/"):
            return self.public(path, body)
        return self.authenticated(body)

    def query_number(self, name):
        values = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get(name) or ["0"]
        return int(values[0])

    def public(self, path, body):
        if path == "/public/slow":
            time.sleep(self.query_number("ms") / 1000)
        elif path == "/public/big":
            # Chunked, without Content-Length: a proxy has to stream it. Byte i is i mod 256.
            # Made as it goes (every chunk starts at a multiple of 256): sizes of hundreds of MB are cheap.
            size = self.query_number("bytes")
            pattern = bytes(range(256)) * 256
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            STATE["bigWritten"] = 0
            for start in range(0, size, 65536):
                chunk = pattern[:min(65536, size - start)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                STATE["bigWritten"] = start + len(chunk)
            self.wfile.write(b"0\r\n\r\n")
            return
        elif path == "/public/stall":
            # The head and a first part of a chunked answer, then nothing for ?ms=, then the end.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nfirst\r\n")
            self.wfile.flush()
            time.sleep(self.query_number("ms") / 1000)
            try:
                self.wfile.write(b"4\r\nlast\r\n0\r\n\r\n")
            except OSError:
                pass
            return
        elif path == "/public/drop":
            # Answers as if the connection stayed open, then closes it a moment later, unread:
            # what an app whose keep-alive timeout runs out as the next request arrives does.
            self.reply(200, {"public": True, "dropped": True})
            time.sleep(0.05)
            self.close_connection = True
            return
        return self.reply(200, {"public": True, "bodyLength": len(body)})

    def do_HEAD(self):
        # The head a GET of ?length=N bytes would have, and no body.
        self.record()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(self.query_number("length")))
        self.end_headers()

    def lifecycle(self, event, body):
        if event == "installed":
            if STATE["failInstalls"]:
                return self.reply(500, {"message": "the app failed to store the install"})
            info = json.loads(body)
            with LOCK:
                db = sqlite3.connect(self.db)
                db.execute("DELETE FROM AddonSettings WHERE clientKey = ? AND key = 'clientInfo'", (info["clientKey"],))
                db.execute("INSERT INTO AddonSettings (clientKey, key, val) VALUES (?, 'clientInfo', ?)",
                           (info["clientKey"], json.dumps(info)))
                db.commit()
                db.close()
        return self.reply(204, b"")

    def secret(self, client_key):
        with LOCK:
            db = sqlite3.connect(self.db)
            row = db.execute("SELECT val FROM AddonSettings WHERE clientKey = ? AND key = 'clientInfo'", (client_key,)).fetchone()
            db.close()
        return json.loads(row[0])["sharedSecret"] if row else None

    def authenticated(self, body):
        # Where ACE looks: Authorization: JWT, a jwt form field, and its own session token in X-acpt.
        auth = self.headers.get("Authorization", "")
        token = auth[4:] if auth.startswith("JWT ") else None
        if token is None and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            token = (urllib.parse.parse_qs(body.decode()).get("jwt") or [None])[0]
        token = token or self.headers.get("X-acpt")
        if token is None:
            return self.reply(401, {"message": "Could not find authentication data on request"})
        try:
            unverified = pyjwt.decode(token, options={"verify_signature": False})
        except Exception:
            return self.reply(400, {"message": "Invalid JWT"})
        session = unverified.get("iss") == self.key  # the app's own session token: aud names the tenant
        aud = unverified.get("aud")
        client_key = (aud[0] if isinstance(aud, list) else aud) if session else unverified.get("iss")
        secret = self.secret(client_key)
        if secret is None:
            return self.reply(400, {"message": "unknown clientKey"})
        try:
            claims = pyjwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False})
        except Exception as error:
            return self.reply(400, {"message": f"Invalid JWT: {error}"})
        expected = atlassian_jwt.url_utils.hash_url(self.command, self.path.replace(self.base, "", 1))
        if not session and claims.get("qsh") != expected:
            return self.reply(400, {"message": "qsh mismatch"})
        return self.reply(200, {"clientKey": client_key, "bodyLength": len(body), "bodySha256": hashlib.sha256(body).hexdigest(),
                                "headers": {name.lower(): value for name, value in self.headers.items()}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--base-path", default="")
    parser.add_argument("--key", default="com.example.ace-like")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifecycle-prefix", default="")
    parser.add_argument("--tls", action="store_true")
    arguments = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.Signals))
    db = sqlite3.connect(arguments.db)
    db.execute("CREATE TABLE IF NOT EXISTS `AddonSettings` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `clientKey` VARCHAR(255), "
               "`key` VARCHAR(255), `val` JSON)")
    db.commit()
    db.close()
    Handler.db, Handler.log, Handler.base, Handler.key = arguments.db, arguments.log, arguments.base_path, arguments.key
    Handler.lifecycle_prefix = arguments.lifecycle_prefix
    open(arguments.log, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    if arguments.tls:
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(here, "cert.pem"), os.path.join(here, "key.pem"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
