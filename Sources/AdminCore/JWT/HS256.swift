import Crypto

/// HMAC-SHA256, the MAC behind every Connect request token (swift-crypto / BoringSSL).
public enum HS256 {
    public static func authenticationCode(for message: [UInt8], secret: SharedSecret) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: secret.key))
    }

    /// Constant-time comparison of `mac` with the MAC of `message`.
    public static func isValid(_ mac: [UInt8], for message: [UInt8], secret: SharedSecret) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: secret.key)
    }
}
