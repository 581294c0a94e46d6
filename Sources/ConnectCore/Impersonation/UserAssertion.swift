/// The assertion a Connect app signs to act as a user: Atlassian's OAuth 2.0 JWT-bearer grant
/// ("User impersonation for Connect apps"). HS256 with the tenant's shared secret, no `qsh`,
/// and these claims — the profile both the signer and `UserAssertionRules` follow.
public enum UserAssertion {
    /// Where assertions are exchanged, and what `aud` must say.
    public static let audience = "https://oauth-2-authorization-server.services.atlassian.com"
    /// The older audience some libraries still send; accepted with a warning.
    public static let legacyAudience = "https://auth.atlassian.io"
    /// `iss` is this followed by the tenant's `oauthClientId` (from its install payload).
    public static let issuerPrefix = "urn:atlassian:connect:clientid:"
    /// `sub` is this followed by the user's Atlassian account id.
    public static let subjectPrefix = "urn:atlassian:connect:useraccountid:"
    /// The deprecated user-key subject; accepted with a warning.
    public static let legacySubjectPrefix = "urn:atlassian:connect:userkey:"
    /// The longest `exp - iat` the authorization server accepts, in seconds.
    public static let maximumLifetime: Int64 = 60
    public static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    /// What the lab and `jwt sign --json` show an exchange asking for.
    public static let defaultScopes = ["READ", "ACT_AS_USER"]

    /// An assertion signed with the tenant's shared secret, and the claims in it.
    public struct Signed: Sendable {
        public var token: String
        public var claims: JSONObject
    }

    /// `claims(for:…)` signed with the tenant's secret: what `jwt sign --kind user`, `jwt
    /// exchange` and the lab all send.
    public static func sign(for tenant: Tenant, accountId: String, issuedAt: Int64,
                            ttl: Int64 = maximumLifetime) throws(Unsignable) -> Signed {
        let claims = try claims(for: tenant, accountId: accountId, issuedAt: issuedAt, ttl: ttl)
        let secret: SharedSecret
        do {
            secret = try tenant.sharedSecret
        } catch {
            throw Unsignable(description: error.message)
        }
        return Signed(token: ConnectTokenSigner.hs256(claims: claims, secret: secret), claims: claims)
    }

    /// Why an assertion cannot be signed for a tenant.
    public struct Unsignable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The claims for `accountId` acting on `tenant`'s site, issued at `issuedAt`.
    public static func claims(for tenant: Tenant, accountId: String, issuedAt: Int64,
                              ttl: Int64 = maximumLifetime) throws(Unsignable) -> JSONObject {
        guard let clientID = tenant.oauthClientId, !clientID.isEmpty else {
            throw Unsignable(description: "tenant \(Sanitized.quote(tenant.clientKey)) has no oauthClientId in the store "
                + "(its install payload carried none), so no assertion can name it")
        }
        guard AccountID.isValid(accountId) else {
            throw Unsignable(description: "account id \(Sanitized.quote(accountId)) is not an Atlassian account id "
                + "(1 to 128 letters, digits, ':', '-' or '_', e.g. 5b10ac8d82e05b22cc7d4ef5)")
        }
        guard ttl > 0 && ttl <= maximumLifetime else {
            throw Unsignable(description: "an assertion lives at most \(maximumLifetime) s; the TTL was \(ttl) s")
        }
        return JSONObject([
            "iss": .string(issuerPrefix + clientID),
            "sub": .string(subjectPrefix + accountId),
            "tnt": .string(tenant.baseUrl),
            "aud": .string(audience),
            "iat": .integer(issuedAt),
            "exp": .integer(issuedAt + ttl),
        ])
    }

    /// What an Atlassian account id may look like: `5b10ac8d82e05b22cc7d4ef5`,
    /// `557058:f58131cb-b67d-43c7-b30d-6b58d40bd077`.
    public enum AccountID {
        public static func isValid(_ id: String) -> Bool {
            !id.isEmpty && id.utf8.count <= 128
                && id.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }
}

/// What an assertion for one tenant must say; fields the store does not know are `nil` and
/// their checks say so instead of passing silently.
public struct UserAssertionExpectation: Sendable, Equatable {
    /// The tenant the assertion is checked for.
    public var clientKey: String?
    /// Its `oauthClientId`; `nil` with a `clientKey` means the store has none for it.
    public var oauthClientId: String?
    /// Its `baseUrl`, which `tnt` must equal.
    public var baseURL: String?
    /// When `iss` names another tenant's oauthClientId: that tenant's clientKey.
    public var issuerOwner: String?

    public init(clientKey: String? = nil, oauthClientId: String? = nil, baseURL: String? = nil, issuerOwner: String? = nil) {
        self.clientKey = clientKey
        self.oauthClientId = oauthClientId
        self.baseURL = baseURL
        self.issuerOwner = issuerOwner
    }

    public init(tenant: Tenant, issuerOwner: String? = nil) {
        self.init(clientKey: tenant.clientKey, oauthClientId: tenant.oauthClientId, baseURL: tenant.baseUrl, issuerOwner: issuerOwner)
    }
}
