/// Percent-encoding as Atlassian's hosts apply it to the canonical request.
///
/// Java's `URLEncoder` followed by the OAuth 1 fix-ups (`+`→`%20`, `*`→`%2A`, `%7E`→`~`)
/// leaves exactly RFC 3986's unreserved set literal; every other byte of the UTF-8 form is
/// `%XX` with upper-case hex.
public enum PercentEncoding {
    /// Encodes the UTF-8 bytes of `text`, leaving only `A-Z a-z 0-9 - . _ ~` literal.
    public static func encode(_ text: String) -> String {
        var needsWork = false
        for byte in text.utf8 where !isUnreserved(byte) {
            needsWork = true
            break
        }
        if !needsWork { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        appendEncoded(text.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `encode`, written onto the end of `out`.
    static func appendEncoded<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }

    /// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
    /// A `%` not followed by two hex digits is kept literally (as Python's `unquote` does)
    /// rather than rejecting the request; invalid UTF-8 becomes U+FFFD, as in Java.
    public static func formDecode<Bytes: Collection<UInt8>>(_ component: Bytes) -> String {
        var plain = true
        for byte in component where byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") {
            plain = false
            break
        }
        if plain { return String(decoding: component, as: UTF8.self) }
        let bytes = Array(component)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
                index += 1
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
