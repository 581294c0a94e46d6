/// A request path as the sidecar decides on it (`connect-server --upstream`): the one form that
/// every spelling of the same resource comes to, so that `--public`, `--protect` and the lifecycle paths cannot be walked
/// around with `/public/../admin`, `//admin`, `/%61dmin` or `/admin;jsessionid=1`.
///
/// What it does, on the raw path (before `?`):
/// - percent-encoded unreserved characters (RFC 3986 §2.3: letters, digits, `-._~`) are decoded,
///   other escapes are kept, with their hex in upper case;
/// - `;` parameters are dropped from every segment (`/admin;x=1/y` → `/admin/y`, and Tomcat's
///   `..;` is a `..`);
/// - empty segments (repeated slashes) and `.` segments go, `..` removes the segment before it.
///
/// What it refuses, since some app behind the sidecar would read it otherwise than we do: an
/// encoded `/` or `\` (`%2F`, `%5C`), a raw `\`, NUL or any control, space or non-ASCII byte
/// (raw or encoded as a control), a malformed escape, a `..` that climbs above the root or
/// follows an empty segment (`/admin//../x` is `/x` to a server that merges slashes first and
/// `/admin/x` to one that does not), and a target that is not an absolute path.
///
/// The request goes to the app as it came (the host signed its qsh over the raw path, which
/// `CanonicalRequest` reads); the app resolves it to this path or refuses it.
public struct NormalizedPath: Equatable, Sendable, CustomStringConvertible {
    /// The normalized path: starts with `/`, no empty, `.` or `..` segments, no parameters.
    public let value: String

    /// Why a path cannot be normalized safely.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(_ raw: Substring) throws(Refusal) {
        guard raw.utf8.first == UInt8(ascii: "/") else { throw Refusal(description: "the request target is not an absolute path") }
        var segments: [String] = []
        var segment: [UInt8] = []
        var inParameter = false
        var endsInSlash = false
        var afterEmptySegment = false

        func endSegment() throws(Refusal) {
            defer { segment.removeAll(keepingCapacity: true); inParameter = false }
            let empty = segment.isEmpty
            defer { afterEmptySegment = empty }
            switch segment {
            case [], [UInt8(ascii: ".")]:
                endsInSlash = true
            case [UInt8(ascii: "."), UInt8(ascii: ".")]:
                guard !segments.isEmpty else { throw Refusal(description: "the path climbs above the root with `..`") }
                // `/admin//../x` is `/x` where slashes are merged first, `/admin/x` where they are not.
                guard !afterEmptySegment else { throw Refusal(description: "the path has `..` after an empty segment (`//..`), which apps resolve differently") }
                segments.removeLast()
                endsInSlash = true
            default:
                segments.append(String(decoding: segment, as: UTF8.self))
                endsInSlash = false
            }
        }

        var bytes = raw.utf8.dropFirst().makeIterator()
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "/"):
                try endSegment()
            case UInt8(ascii: ";"):
                inParameter = true
            case UInt8(ascii: "%"):
                guard let high = bytes.next().flatMap(Self.hexValue), let low = bytes.next().flatMap(Self.hexValue) else {
                    throw Refusal(description: "the path has a malformed percent-escape")
                }
                let decoded = high << 4 | low
                switch decoded {
                case UInt8(ascii: "/"), UInt8(ascii: "\\"):
                    throw Refusal(description: "the path has an encoded `/` or `\\` (%2F, %5C), which apps resolve differently")
                case ..<0x20, 0x7F:
                    throw Refusal(description: "the path has an encoded control character (%\(Self.hex(decoded)))")
                default:
                    guard !inParameter else { continue }
                    if Self.isUnreserved(decoded) {
                        segment.append(decoded)
                    } else {
                        segment.append(UInt8(ascii: "%"))
                        segment.append(contentsOf: Self.hex(decoded).utf8)
                    }
                }
            case UInt8(ascii: "\\"):
                throw Refusal(description: "the path has a `\\`, which some apps read as `/`")
            case ...0x20, 0x7F...:
                throw Refusal(description: "the path has a raw control, space or non-ASCII byte")
            default:
                if !inParameter { segment.append(byte) }
            }
        }
        try endSegment()
        // The last segment ended the path: a trailing slash only if it was empty, `.` or `..`.
        var text = "/" + segments.joined(separator: "/")
        if endsInSlash && !segments.isEmpty { text += "/" }
        value = text
    }

    public var description: String { value }

    /// RFC 3986 §2.3.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }
}
