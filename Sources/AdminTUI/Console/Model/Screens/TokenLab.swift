import AdminCore
import ConnectCore
import Foundation

/// The token lab's vocabulary: what it signs, its fields, and what it produced.
enum TokenLab {
    enum Mode: String, Sendable { case verify, sign }

    enum Kind: String, Sendable, CaseIterable {
        /// Host → app request (qsh of the request, `iss` the tenant).
        case request
        /// Context token (`qsh: context-qsh`).
        case context
        /// App → host call (`iss` the app, `aud` the tenant).
        case outbound
        /// Act-as-user assertion (OAuth 2.0 JWT bearer): no qsh, lives at most 60 s.
        case user

        /// The TTL field's value when this kind is chosen.
        var defaultTTL: String { self == .user ? String(UserAssertion.maximumLifetime) : "180" }
    }

    enum Field: String, Sendable, CaseIterable {
        case tenant, kind, account, method, url, ttl, token
    }

    /// A signed token and what to know about it, in the order it is shown.
    struct SignedToken: Sendable {
        var token: String
        var details: [(label: String, value: String)]
    }

    /// What another screen hands the lab: a tenant, and a request to check tokens against.
    struct Preset: Sendable, Equatable {
        var tenant: String
        var method: String?
        var url: String?

        init(tenant: String, method: String? = nil, url: String? = nil) {
            self.tenant = tenant
            self.method = method
            self.url = url
        }
    }

    /// Signs a token of `kind` for `tenant`, as `jwt sign --tenant` does.
    static func sign(tenant: Tenant, method: String, url: String, kind: Kind, ttl: Int64, accountID: String, now issuedAt: Int64) -> Answer {
        let request = CanonicalRequest(method: method, url: url)
        let claims: ConnectClaims
        switch kind {
        case .user:
            return signAssertion(tenant: tenant, accountID: accountID, ttl: ttl, issuedAt: issuedAt)
        case .request:
            claims = ConnectClaims(issuer: tenant.clientKey, issuedAt: issuedAt, ttl: ttl, request: request)
        case .context:
            claims = ConnectClaims(issuer: tenant.clientKey, issuedAt: issuedAt, ttl: ttl, request: nil)
        case .outbound:
            claims = ConnectClaims.outbound(appKey: tenant.addonKey, clientKey: tenant.clientKey, method: method, url: url,
                                            hostBaseURL: tenant.baseUrl, now: issuedAt, ttl: ttl)
        }
        let secret: SharedSecret
        do {
            secret = try tenant.sharedSecret
        } catch {
            return .failed(error.message)
        }
        let token = ConnectTokenSigner.hs256(claims: claims.object, secret: secret)
        let canonical = kind == .context ? "(context token: not bound to a request)" : (claims.request?.text ?? request.text)
        let target = kind == .outbound && !url.hasPrefix("http") ? tenant.baseUrl + url : url
        let curl = "curl -X \(request.method) -H 'Authorization: JWT \(token)' '\(target)'"
        return .labSigned(SignedToken(token: token, details: [
            ("token", token), ("canonical", canonical), ("qsh", claims.object["qsh"]?.stringValue ?? ""), ("curl", curl),
        ]))
    }

    /// The act-as-user assertion, with the exchange that would turn it into an access token.
    private static func signAssertion(tenant: Tenant, accountID: String, ttl: Int64, issuedAt: Int64) -> Answer {
        let signed: UserAssertion.Signed
        do {
            signed = try UserAssertion.sign(for: tenant, accountId: accountID, issuedAt: issuedAt, ttl: ttl)
        } catch {
            return .failed(error.description)
        }
        let exchange = (try? TokenExchange(assertion: signed.token, scopes: UserAssertion.defaultScopes))?.curl ?? ""
        return .labSigned(SignedToken(token: signed.token, details: [
            ("token", signed.token), ("claims", JSONValue.object(signed.claims).jsonText()), ("exchange", exchange),
        ]))
    }
}
