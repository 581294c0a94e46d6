import Foundation

/// The text form of a sealed secret in a store's `shared_secret` column:
/// `v1:<keyid>:<nonce>:<ciphertext+tag>`, nonce and ciphertext in unpadded base64url.
struct SealedValue: Equatable {
    static let prefix = "v1:"

    var keyID: String
    var nonce: [UInt8]
    /// Ciphertext followed by the 16-byte GCM tag.
    var sealed: [UInt8]

    var text: String {
        [String(Self.prefix.dropLast()), keyID, Base64URL.encode(nonce), Base64URL.encode(sealed)].joined(separator: ":")
    }

    /// Whether a column value is meant to be sealed (it may still fail to parse: tampered).
    static func looksSealed(_ text: String) -> Bool {
        text.hasPrefix(prefix)
    }

    /// Parses a sealed value; `nil` for anything not exactly that shape (a truncated value).
    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", parts[1].count == 8, parts[1].allSatisfy(\.isHexDigit),
              let nonce = Base64URL.decode(Array(parts[2].utf8)), nonce.count == 12,
              let sealed = Base64URL.decode(Array(parts[3].utf8)), sealed.count >= 16 else { return nil }
        self.keyID = String(parts[1])
        self.nonce = nonce
        self.sealed = sealed
    }

    init(keyID: String, nonce: [UInt8], sealed: [UInt8]) {
        self.keyID = keyID
        self.nonce = nonce
        self.sealed = sealed
    }
}
