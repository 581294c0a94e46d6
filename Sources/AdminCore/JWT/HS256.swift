import Crypto

/// HMAC-SHA256, the MAC behind every Connect request token (swift-crypto).
public enum HS256 {
    public static func authenticationCode(for message: [UInt8], secret: SharedSecret) -> [UInt8] {
        var mac = secret.keyedMAC
        mac.update(data: message)
        return Array(mac.finalize())
    }

    /// Whether `mac` is the MAC of `message`, compared in constant time.
    public static func isValid(_ mac: [UInt8], for message: [UInt8], secret: SharedSecret) -> Bool {
        let expected = authenticationCode(for: message, secret: secret)
        guard mac.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<expected.count { difference |= mac[index] ^ expected[index] }
        return difference == 0
    }
}
