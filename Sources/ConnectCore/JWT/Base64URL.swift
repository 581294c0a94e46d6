import ExtrasBase64

/// Base64url as JWS (RFC 7515 §2) requires it: URL alphabet, no padding, and — stricter
/// than most decoders — a canonical final character.
///
/// Strictness matters because a token's signing input is its *text*: a decoder that accepts
/// `=` padding, `+`/`/`, or non-zero trailing bits lets one signature stand for many
/// spellings of the same token, which breaks de-duplication and fingerprints, and is a
/// favourite trick of forged-token probes. The alphabet and tail checks are Connect-specific
/// policy; the decoding itself is swift-extras-base64.
public enum Base64URL {
    /// Encodes bytes as unpadded base64url.
    public static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes strict, canonical, unpadded base64url; `nil` for anything else.
    public static func decode(_ text: [UInt8]) -> [UInt8]? { decode(text[...]) }

    /// Decodes strict, canonical, unpadded base64url; `nil` for anything else.
    public static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        text.withUnsafeBufferPointer { decode($0) }
    }

    /// The same over a buffer: the token decoder reads the segments in the token's own storage.
    public static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard isCanonical(text) else { return nil }
        return try? Base64.decode(bytes: text, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Why `text` is not canonical base64url, or `nil` when it is. Used for explanations.
    public static func problem(_ text: ArraySlice<UInt8>) -> String? {
        var count = 0
        var last: UInt8 = 0
        let table = Base64URL.table  // one lazy-global check, not one per byte
        for byte in text {
            if table[Int(byte)] == 0xFF {
                switch byte {
                case UInt8(ascii: "="): return "has '=' padding, which JWS forbids"
                case UInt8(ascii: "+"), UInt8(ascii: "/"): return "uses '+' or '/' (standard base64, not base64url)"
                case 0x00...0x20, 0x7F: return "contains whitespace or a control character"
                default: return "contains a character outside the base64url alphabet"
                }
            }
            count += 1
            last = byte
        }
        switch count % 4 {
        case 1: return "has an impossible length (\(count) characters)"
        case 2: return (sextet(last) ?? 0) & 0x0F == 0 ? nil : "has a non-canonical final character (unused bits set)"
        case 3: return (sextet(last) ?? 0) & 0x03 == 0 ? nil : "has a non-canonical final character (unused bits set)"
        default: return nil
        }
    }

    /// `problem(text) == nil`, without the sentences: on every request, three times. Every
    /// sextet is below 64 and 0xFF marks a byte outside the alphabet, so OR-ing the table
    /// entries of all bytes and testing the top bit checks the alphabet without a branch.
    static func isCanonical(_ text: ArraySlice<UInt8>) -> Bool {
        text.withUnsafeBufferPointer { isCanonical($0) }
    }

    static func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        table.withUnsafeBufferPointer { table in
            var seen: UInt8 = 0
            for byte in bytes { seen |= table[Int(byte)] }
            guard seen & 0x80 == 0, let last = bytes.last else { return seen & 0x80 == 0 }
            switch bytes.count % 4 {
            case 1: return false
            case 2: return table[Int(last)] & 0x0F == 0
            case 3: return table[Int(last)] & 0x03 == 0
            default: return true
            }
        }
    }

    /// The 6-bit value of a base64url character, or `nil` outside the alphabet.
    @inline(__always)
    static func sextet(_ byte: UInt8) -> UInt8? {
        let value = table[Int(byte)]
        return value == 0xFF ? nil : value
    }

    /// Sextet values by byte; 0xFF outside the alphabet.
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        return table
    }()
}
