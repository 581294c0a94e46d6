// A minimal Connect app on Node, for scripts/bench-sidecar.sh: the least per-request work an
// atlassian-connect-express app does on an authenticated route, without ACE's own middleware.
// It reads the token from `Authorization: JWT …`, checks its HS256 signature with the tenant's
// secret (held in memory, like ACE's in-memory store adapter), its `exp` and its `qsh` (the
// SHA-256 of `METHOD&path&` for a request without a query), and answers 200 "ok" or 400 as ACE does.
//
//   node scripts/bench-connect-app.js PORT CLIENT_KEY SECRET
'use strict';
const http = require('http');
const crypto = require('crypto');

const [port, clientKey, secret] = process.argv.slice(2);
const secrets = new Map([[clientKey, secret]]);

function base64url(buffer) {
  return buffer.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function refuse(response, message) {
  response.writeHead(400, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ message }));
}

http.createServer((request, response) => {
  const authorization = request.headers.authorization || '';
  if (!authorization.startsWith('JWT ')) return refuse(response, 'Could not find authentication data on request');
  const parts = authorization.slice(4).split('.');
  if (parts.length !== 3) return refuse(response, 'Invalid JWT');
  let claims;
  try { claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()); } catch { return refuse(response, 'Invalid JWT'); }
  const key = secrets.get(claims.iss);
  if (key === undefined) return refuse(response, 'unknown clientKey');
  const expected = base64url(crypto.createHmac('sha256', key).update(parts[0] + '.' + parts[1]).digest());
  if (expected.length !== parts[2].length || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(parts[2]))) {
    return refuse(response, 'Invalid JWT: signature');
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return refuse(response, 'Authentication request has expired');
  const path = request.url.split('?')[0];
  const qsh = crypto.createHash('sha256').update(request.method + '&' + path + '&').digest('hex');
  if (claims.qsh !== qsh) return refuse(response, 'qsh mismatch');
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('ok\n');
}).listen(Number(port), '127.0.0.1');
