/// Untrusted text made safe to show: control characters and escape sequences become
/// visible escapes (`\x1b`, `\x07`, `\u{9b}`), so a hostile token, payload or store row
/// cannot move the cursor, recolour the screen or set a terminal's title.
public enum Sanitized {
    /// `text` with every C0/C1 control character and DEL written as an escape.
    public static func escape(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ !isControl($0) }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                if scalar.value < 0x100 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count == 1 ? "0" : "") + hex
                } else {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` escaped, cut to `limit` characters and put in double quotes, for messages.
    public static func quote(_ text: String, limit: Int = 80) -> String {
        let escaped = escape(text)
        if escaped.count <= limit { return "\"" + escaped + "\"" }
        return "\"" + escaped.prefix(limit) + "…\""
    }

    /// C0, DEL, C1, and the Unicode line/paragraph separators and bidi overrides, which
    /// some terminals act on too.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
