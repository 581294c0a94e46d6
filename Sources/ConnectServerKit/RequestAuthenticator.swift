import AdminCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Authenticates a request to a protected route with AdminCore's verifier — the same code
/// the console's token lab explains — and records every failure without waiting for it.
public struct RequestAuthenticator: Sendable {
    let verifier: ConnectTokenVerifier
    let directory: TenantDirectory
    let recorder: FailureRecorder
    let health: StoreHealth
    /// The base URL's path, stripped from request paths before qsh, as the host does.
    let basePath: Substring
    let node: String
    let trustedProxies: TrustedProxies
    let metrics: ServerMetrics
    let logger: Logger

    /// The address recorded for a request: the client's, as a trusted proxy reports it.
    func clientAddress(_ request: Request, _ context: ConnectRequestContext) -> String? {
        guard !trustedProxies.isEmpty else { return context.remoteAddress }
        return trustedProxies.client(peer: context.remoteAddress, forwardedFor: request.headers[values: Self.forwardedFor])
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// A request that passed, with the tenant it speaks for.
    public struct Authenticated: Sendable {
        public var tenant: Tenant
        public var claims: JSONObject
        public var subject: String? { claims["sub"]?.stringValue }
    }

    /// What became of a request.
    public enum Outcome: Sendable {
        case authenticated(Authenticated)
        /// Refused (already recorded as an auth failure).
        case refused(ConnectAuthError)
        /// The store could not be asked: not the tenant's fault, so not an auth failure.
        case storeUnavailable(StoreError)
    }

    /// Verifies the request's token.
    /// With `sessionAppKey`, a token issued by that app to its own pages (atlassian-connect-
    /// express's `X-acpt`: `iss` the app, `aud` the tenant, no qsh) is accepted too.
    /// `token`: one found elsewhere than `token(in:)` looks (a form field).
    public func authenticate(_ request: Request, context: ConnectRequestContext, allowsContextQSH: Bool,
                             sessionAppKey: String? = nil, token found: String? = nil) async -> Outcome {
        let target = RequestTarget(request.uri.string)
        let canonical = CanonicalRequest(method: request.method.rawValue, rawPath: target.path, rawQuery: target.query, basePath: basePath)
        guard let token = found ?? Self.token(in: request) else {
            let error = ConnectAuthError(.missingToken, "no JWT in the Authorization header, the jwt parameter or X-acpt")
            recordFailure(error, request, context, token: nil, decoded: nil)
            return .refused(error)
        }
        let now = UnixTime.now()
        let decoded: ConnectToken
        do {
            decoded = try ConnectToken.decode(token, limits: verifier.limits)
        } catch {
            recordFailure(error, request, context, token: token, decoded: nil)
            return .refused(error)
        }
        guard let clientKey = decoded.tenantKey else {
            let error = ConnectAuthError(.missingClaim, "token has no iss or aud naming a tenant")
            recordFailure(error, request, context, token: token, decoded: decoded)
            return .refused(error)
        }
        let tenant: Tenant?
        do {
            tenant = try await directory.tenant(clientKey: clientKey, health: health)
        } catch {
            return .storeUnavailable(error)
        }
        var expectation = TokenExpectation(request: canonical, allowsContextQSH: allowsContextQSH, audience: .tenant(clientKey))
        if let sessionAppKey, decoded.issuer == sessionAppKey, decoded.queryStringHash == nil {
            expectation = TokenExpectation(audience: .tenant(clientKey), kind: .appSession(appKey: sessionAppKey))
        }
        let report = verifier.verify(decoded, expecting: expectation, now: now, key: TenantKeyLookup.lookup(tenant, clientKey: clientKey))
        if let tenant, report.valid {
            return .authenticated(Authenticated(tenant: tenant, claims: decoded.claims))
        }
        let error = report.firstFailure ?? ConnectAuthError(.badSignature, "token not verified")
        recordFailure(error, request, context, token: token, decoded: decoded)
        return .refused(error)
    }

    /// The token the request carries, from the first place the frameworks look: `Authorization:
    /// JWT <token>`, the `jwt` query parameter, then the session-token places `X-acpt` and `?acpt=`.
    static func token(in request: Request) -> String? {
        tokens(in: request).first
    }

    /// Every token the request carries, wherever the frameworks look, in the order of `token(in:)`
    /// (each `jwt` and `acpt` parameter, each `X-acpt` field): a request whose tokens differ is
    /// ambiguous, since the app may read another one than we verify.
    static func tokens(in request: Request) -> [String] {
        var found: [String] = []
        if let header = authorization(request.headers), header.hasPrefix("JWT ") {
            let token = header.utf8.dropFirst(4).drop { $0 == UInt8(ascii: " ") }
            if let end = token.lastIndex(where: { $0 != UInt8(ascii: " ") }) { found.append(String(Substring(token[...end]))) }
        }
        let query = request.uri.query.map { Substring($0) }
        if let query { found += formValues("jwt", in: query) }
        for field in request.headers where field.name == ConnectServerApp.acptHeader && !field.value.isEmpty { found.append(field.value) }
        if let query { found += formValues("acpt", in: query) }
        return found
    }

    /// The `Authorization` field's value; several are joined with ", " as HTTPFields' subscript
    /// does (so a second token makes the value malformed, never ignored), without the
    /// subscript's lazy joining for the usual single field (a tenth of authentication's cost).
    static func authorization(_ fields: HTTPFields) -> String? {
        var found: String?
        for field in fields where field.name == .authorization {
            found = found.map { $0 + ", " + field.value } ?? field.value
        }
        return found
    }

    /// Every non-empty value of a field of `application/x-www-form-urlencoded` text.
    static func formValues(_ name: String, in query: Substring) -> [String] {
        let prefix = name + "="
        return query.split(separator: "&").compactMap { pair in
            guard pair.hasPrefix(prefix) else { return nil }
            let value = PercentEncoding.formDecode(Array(pair.dropFirst(prefix.count).utf8))
            return value.isEmpty ? nil : value
        }
    }

    /// The request's path and query without the `jwt` parameter: what the store keeps.
    static func pathWithoutToken(_ target: String) -> String {
        guard let question = target.firstIndex(of: "?") else { return target }
        let kept = target[target.index(after: question)...].split(separator: "&").filter { !$0.hasPrefix("jwt=") && !$0.hasPrefix("acpt=") }
        let path = String(target[..<question])
        return kept.isEmpty ? path : path + "?" + kept.joined(separator: "&")
    }

    func recordFailure(_ error: ConnectAuthError, _ request: Request, _ context: ConnectRequestContext, token: String?, decoded: ConnectToken?) {
        func time(_ name: String) -> Int64? {
            if case .integer(let value)? = decoded?.claims[name] { return value }
            return nil
        }
        let failure = AuthFailure(
            at: Date(), node: node, clientKey: decoded?.tenantKey.map { String($0.prefix(256)) }, reason: error.reason,
            detail: String(error.detail.prefix(500)), method: request.method.rawValue,
            path: String(Self.pathWithoutToken(request.uri.string).prefix(1000)), remoteAddress: clientAddress(request, context),
            userAgent: request.headers[.userAgent].map { String($0.prefix(300)) },
            tokenFingerprint: token.map { $0.utf8.count <= verifier.limits.maxTokenBytes ? ConnectToken.fingerprint(of: $0) : "oversized" },
            alg: decoded?.algorithm.map { String($0.prefix(32)) }, kid: decoded?.keyID.map { String($0.prefix(128)) },
            exp: time("exp"), iat: time("iat"))
        recorder.record(failure)
        metrics.authFailure(error.reason)
        // Debug only: every refusal is in the store already, and a flood of forged tokens must
        // not turn into a flood of synchronous log writes on the request path.
        logger.debug("request refused", metadata: [
            "reason": "\(error.reason.rawValue)", "path": "\(Sanitized.escape(failure.path))", "tenant": "\(Sanitized.escape(failure.clientKey ?? "-"))",
            "token": "\(failure.tokenFingerprint ?? "-")",
        ])
    }
}
