import Crypto
import Foundation

/// A 256-bit key that seals tenants' shared secrets at rest (AES-256-GCM).
///
/// Its `id` is derived from the key (an HMAC of a fixed label, 8 hex digits), so a sealed
/// value names the key that sealed it and an error can name the key it needs, without
/// anything about the key itself ever being printed or stored.
public struct SecretKey: Sendable {
    public let id: String
    let key: SymmetricKey

    /// Key bytes live in swift-crypto's `SymmetricKey`, which zeroes its storage when freed.
    public init(key: SymmetricKey) {
        precondition(key.bitCount == 256, "a secret key is 256 bits")
        self.key = key
        let code = HMAC<SHA256>.authenticationCode(for: Array("ConnectAdmin secret key id v1".utf8), using: key)
        self.id = String(Hex.encode(code).prefix(8))
    }

    /// A new random key (`connect-admin store keygen`).
    public static func generate() -> SecretKey {
        SecretKey(key: SymmetricKey(size: .bits256))
    }

    /// What a key file holds: the key in base64 and a newline.
    var fileText: String {
        key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
    }

    /// Reads a key file: 32 bytes, as base64 text (what `store keygen` writes) or raw.
    /// A file others can read is refused, as ssh refuses such a private key.
    public static func read(file path: String) throws(SecretKeyError) -> SecretKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SecretKeyError("cannot read key file \(path) (\(String(cString: strerror(errno)))): check the path, or make one with `connect-admin store keygen \(path)`")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SecretKeyError("key file \(path) is not a regular file: give the file `connect-admin store keygen` wrote")
        }
        // Owner only (0600 or 0400): a key its group can read is a key some other service can.
        guard info.st_mode & 0o077 == 0 else {
            throw SecretKeyError("key file \(path) can be read or written by others than its owner (mode \(String(info.st_mode & 0o777, radix: 8))): run `chmod 600 \(path)`")
        }
        var buffer = [UInt8](repeating: 0, count: 1024)
        defer { Self.zero(&buffer) }
        var length = 0
        while length < buffer.count {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + length, $0.count - length) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw SecretKeyError("cannot read key file \(path) (\(String(cString: strerror(errno))))")
            }
            if count == 0 { break }
            length += count
        }
        guard var raw = Self.keyBytes(buffer[..<length]) else {
            throw SecretKeyError("key file \(path) does not hold a 256-bit key (32 bytes, raw or base64): make one with `connect-admin store keygen FILE`")
        }
        defer { Self.zero(&raw) }
        return SecretKey(key: SymmetricKey(data: raw))
    }

    /// Writes a new key to `path`, created 0600; never replaces an existing file.
    public static func create(file path: String) throws(SecretKeyError) -> SecretKey {
        let key = generate()
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists; a key file is never overwritten, pick another name" : String(cString: strerror(errno))
            throw SecretKeyError("cannot create key file \(path): \(reason)")
        }
        var text = Array(key.fileText.utf8)
        defer { zero(&text) }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else {
            unlink(path)
            throw SecretKeyError("cannot write key file \(path): the disk may be full")
        }
        return key
    }

    /// 32 raw bytes, or base64 (standard or URL alphabet) of 32 bytes, around whitespace.
    static func keyBytes(_ content: ArraySlice<UInt8>) -> [UInt8]? {
        if content.count == 32 { return Array(content) }
        let trimmed = content.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        var text = String(decoding: trimmed, as: UTF8.self).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), data.count == 32 else { return nil }
        return Array(data)
    }

    static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { memset(base, 0, buffer.count) }
        }
    }
}
