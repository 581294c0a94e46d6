import Crypto

/// A tenant's `sharedSecret`, which signs every request its host sends.
///
/// It never prints itself: `description` shows the fingerprint, so a secret that ends up
/// in string interpolation, a log line or a crash message leaks nothing. Use `reveal()` when
/// the operator has explicitly asked for it.
public struct SharedSecret: Sendable, Hashable, CustomStringConvertible {
    /// The key bytes: a Connect secret's UTF-8 text (or raw bytes, for RFC test keys).
    public let bytes: [UInt8]
    /// The first 16 hex digits of SHA-256 over the secret's bytes.
    public let fingerprint: String
    /// HMAC state already keyed with this secret: copying it skips the key schedule (two
    /// SHA-256 blocks and several allocations) on every request.
    let keyedMAC: KeyedHMAC

    public init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        self.fingerprint = SharedSecret.fingerprint(ofBytes: bytes)
        self.keyedMAC = KeyedHMAC(key: bytes)
    }

    /// HS256 wants at least 32 bytes.
    public var byteCount: Int { bytes.count }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The secret itself, for an operator who explicitly asked to see it.
    public func reveal() -> String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { "secret(fingerprint \(fingerprint))" }

    public static func == (lhs: SharedSecret, rhs: SharedSecret) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// Fingerprint of any secret text, as the design page defines it.
    public static func fingerprint(of secret: String) -> String {
        fingerprint(ofBytes: Array(secret.utf8))
    }

    static func fingerprint(ofBytes bytes: [UInt8]) -> String {
        String(Hex.encode(SHA256.hash(data: bytes)).prefix(16))
    }
}
