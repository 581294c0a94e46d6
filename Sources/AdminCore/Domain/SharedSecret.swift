import Crypto

/// A tenant's `sharedSecret`, which signs every request its host sends.
///
/// It never prints itself: `description` shows the fingerprint, so a secret that ends up
/// in string interpolation, a log line or a crash message leaks nothing. Use `reveal()` when
/// the operator has explicitly asked for it.
public struct SharedSecret: Sendable, Hashable, CustomStringConvertible {
    private let text: String

    public init(_ text: String) {
        self.text = text
    }

    /// The first 16 hex digits of SHA-256 over the secret's UTF-8 bytes.
    public var fingerprint: String { SharedSecret.fingerprint(of: text) }

    /// The number of UTF-8 bytes: HS256 wants at least 32.
    public var byteCount: Int { text.utf8.count }

    public var isEmpty: Bool { text.isEmpty }

    /// The secret itself, for signing and for an operator who asked to see it.
    public func reveal() -> String { text }

    var symmetricKey: SymmetricKey { SymmetricKey(data: Array(text.utf8)) }

    public var description: String { "secret(fingerprint \(fingerprint))" }

    /// Fingerprint of any secret text, as the design page defines it.
    public static func fingerprint(of secret: String) -> String {
        String(Hex.encode(SHA256.hash(data: Array(secret.utf8))).prefix(16))
    }
}
