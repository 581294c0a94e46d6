import Crypto
import CryptoExtras

/// The key a token is checked with. The *expected* algorithm picks it, never the token's
/// header: that is what defeats algorithm-confusion attacks.
public enum SigningKey: Sendable {
    /// HS256 with a tenant's shared secret (host → app requests, session tokens).
    case sharedSecret(SharedSecret)
    /// RS256 with an install key (signed lifecycle callbacks).
    case rsaPublicKey(_RSA.Signing.PublicKey, kid: String)

    /// Parses a PEM public key (SPKI or PKCS#1) as served by the install-keys service.
    public static func rsa(pem: String, kid: String) throws(ConnectAuthError) -> SigningKey {
        do {
            let key = try _RSA.Signing.PublicKey(pemRepresentation: pem)
            return .rsaPublicKey(key, kid: kid)
        } catch {
            throw ConnectAuthError(.installKeyUnavailable, "install key \(kid) is not a usable RSA public key (2048 bits or more, PEM)")
        }
    }
}

/// What looking up the key for a token found.
public enum KeyLookup: Sendable {
    /// The key to check the signature with, and where it came from (for explanations).
    case found(SigningKey, source: KeySource)
    /// The issuer is known but must be refused (uninstalled, disabled). The key, when still
    /// known, is checked anyway so that an operator learns whether the token was genuine.
    case refused(ReasonCode, String, key: SigningKey?)
    /// No key: unknown issuer, install key not fetchable.
    case unavailable(ReasonCode, String)
}

/// Where a found key came from, as the `issuer` or `key` check says it. Kept as its values until
/// an explanation reads it: the server builds one for every request and reads almost none.
public enum KeySource: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    case text(String)
    /// A tenant's stored secret.
    case tenant(clientKey: String, fingerprint: String)

    public init(stringLiteral value: String) { self = .text(value) }

    public var description: String {
        switch self {
        case .text(let text): return text
        case .tenant(let clientKey, let fingerprint): return "tenant \(Sanitized.quote(clientKey)), secret \(fingerprint)"
        }
    }
}
