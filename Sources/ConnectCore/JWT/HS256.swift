import Crypto

/// HMAC-SHA256, the MAC behind every Connect request token.
///
/// RFC 2104 over swift-crypto's SHA-256, with the key's two pad blocks hashed once per secret
/// (`KeyedHMAC`). swift-crypto's `HMAC` does the same inside, but reaches the hash through
/// generic `DataProtocol` entry points that, measured on the request path, cost five times the
/// compressions themselves; `RFCVectorTests` checks this against it on random keys and
/// messages, and against RFC 4231.
public enum HS256 {
    public static func authenticationCode(for message: [UInt8], secret: SharedSecret) -> [UInt8] {
        message.withUnsafeBytes { secret.keyedMAC.code(for: $0).withUnsafeBytes { Array($0) } }
    }

    /// Whether `mac` is the MAC of `message`, compared in constant time.
    public static func isValid(_ mac: [UInt8], for message: [UInt8], secret: SharedSecret) -> Bool {
        let expected = message.withUnsafeBytes { secret.keyedMAC.code(for: $0) }
        guard mac.count == SHA256.byteCount else { return false }
        return expected.withUnsafeBytes { expected in
            var difference: UInt8 = 0
            for index in 0..<SHA256.byteCount { difference |= mac[index] ^ expected[index] }
            return difference == 0
        }
    }
}

/// SHA-256 states already fed the key's inner and outer pad blocks: a MAC is then one copy of
/// each, the message, and two finalisations.
struct KeyedHMAC: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    init(key: [UInt8]) {
        let blockSize = 64
        var block = key.count > blockSize ? Array(SHA256.hash(data: key)) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = SHA256(), outer = SHA256()
        let innerPad = block.map { $0 ^ 0x36 }, outerPad = block.map { $0 ^ 0x5C }
        innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    func code(for message: UnsafeRawBufferPointer) -> SHA256.Digest {
        var inner = self.inner
        inner.update(bufferPointer: message)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
