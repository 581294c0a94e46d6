import Crypto

/// The canonical form of an HTTP request that a Connect `qsh` claim hashes:
/// `METHOD&path&query`.
///
/// It follows what Atlassian's hosts compute (the Java implementation, cross-checked by the
/// shared interoperability vectors), not the prose of the docs where the two differ:
/// - method upper-cased;
/// - path relative to the app's base URL path, raw (not decoded), `&` → `%26`, one trailing
///   `/` removed, empty → `/`;
/// - query without `jwt`; names sorted by their percent-encoded form; repeated values sorted
///   by their *decoded* form (Java `String` order), each encoded, joined with `,`.
public struct CanonicalRequest: Sendable, Equatable, CustomStringConvertible {
    public let method: String
    public let path: String
    public let query: String

    /// Builds the canonical request of `method` on `url`.
    ///
    /// - Parameters:
    ///   - url: an absolute URL (`https://host/ctx/path?q`) or a path with its query (`/path?q`).
    ///   - baseURL: the app's base URL; its path is stripped first, as the host does when it
    ///     signs a request for an app that lives below a context path.
    public init(method: String, url: String, baseURL: String? = nil) {
        let target = RequestTarget(url)
        self.init(method: method, rawPath: target.path, rawQuery: target.query,
                  basePath: baseURL.map { RequestTarget($0).path } ?? "")
    }

    /// Builds the canonical request from an already split request target, as a server has it.
    public init(method: String, rawPath: Substring, rawQuery: Substring?, basePath: Substring = "") {
        self.method = method.utf8.allSatisfy { $0 < UInt8(ascii: "a") || $0 > UInt8(ascii: "z") } ? method : method.uppercased()
        self.path = CanonicalRequest.canonicalPath(rawPath, basePath: basePath)
        self.query = rawQuery.map(CanonicalRequest.canonicalQuery) ?? ""
    }

    /// `METHOD&path&query`, the text that is hashed.
    public var text: String { method + "&" + path + "&" + query }

    public var description: String { text }

    /// The `qsh` claim value: lower-case hex SHA-256 of `text`'s UTF-8 bytes (hashed part by
    /// part, without building `text`).
    public var queryStringHash: String {
        var hasher = SHA256()
        let separator: [UInt8] = [UInt8(ascii: "&")]
        for (index, part) in [method, path, query].enumerated() {
            if index > 0 { hasher.update(data: separator) }
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return Hex.encode(hasher.finalize())
    }

    /// Lower-case hex SHA-256 of a canonical request text.
    public static func hash(_ canonicalText: String) -> String {
        Hex.encode(SHA256.hash(data: Array(canonicalText.utf8)))
    }

    /// Byte by byte, as Atlassian's implementations work on code units: with `Character`
    /// semantics a combining mark after '/' or '&' would hide it (found by fuzzing).
    static func canonicalPath(_ rawPath: Substring, basePath: Substring) -> String {
        let slash = UInt8(ascii: "/"), ampersand = UInt8(ascii: "&")
        var path = rawPath.utf8[...]
        var base = basePath.utf8[...]
        while base.last == slash { base = base.dropLast() }
        if !base.isEmpty, path.starts(with: base) {
            let rest = path.dropFirst(base.count)
            if rest.isEmpty || rest.first == slash { path = rest }
        }
        if path.last == slash { path = path.dropLast() }
        if path.isEmpty { return "/" }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.count + 1)
        if path.first != slash { bytes.append(slash) }
        for byte in path {
            if byte == ampersand { bytes += Array("%26".utf8) } else { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func canonicalQuery(_ rawQuery: Substring) -> String {
        // (encoded name, decoded value) pairs; names are grouped and sorted by their encoded
        // form, values by their decoded form in Java `String` (UTF-16) order.
        var pairs: [(name: String, value: String)] = []
        for pair in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = PercentEncoding.formDecode(pair[pair.startIndex..<(equals ?? pair.endIndex)])
            if name == "jwt" { continue }
            let value = equals.map { PercentEncoding.formDecode(pair[pair.index(after: $0)...]) } ?? ""
            pairs.append((PercentEncoding.encode(name), value))
        }
        if pairs.isEmpty { return "" }
        if pairs.count > 1 {
            pairs.sort { lhs, rhs in
                lhs.name != rhs.name ? lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
                                     : lhs.value.utf16.lexicographicallyPrecedes(rhs.value.utf16)
            }
        }
        var out = ""
        out.reserveCapacity(rawQuery.utf8.count + 16)
        for (index, pair) in pairs.enumerated() {
            if index > 0 && pairs[index - 1].name == pair.name {
                out += ","
            } else {
                if index > 0 { out += "&" }
                out += pair.name
                out += "="
            }
            out += PercentEncoding.encode(pair.value)
        }
        return out
    }
}

/// The path and query of a URL or of a request target, split without any normalisation:
/// the canonical request needs the path exactly as it was sent.
public struct RequestTarget: Sendable {
    public let path: Substring
    public let query: Substring?

    public init(_ url: String) {
        var rest = Substring(url)
        if let hash = rest.utf8.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        // Drop "scheme://authority" when present (byte search: this runs on every request).
        if let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":")),
           rest.utf8[colon...].starts(with: "://".utf8),
           rest[..<colon].utf8.allSatisfy(Self.isSchemeByte) {
            let afterAuthority = rest[rest.utf8.index(colon, offsetBy: 3)...]
            let pathStart = afterAuthority.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? afterAuthority.endIndex
            rest = afterAuthority[pathStart...]
        }
        if let question = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = rest[..<question]
            query = rest[rest.index(after: question)...]
        } else {
            path = rest
            query = nil
        }
    }

    /// RFC 3986 scheme characters: ALPHA / DIGIT / "+" / "-" / ".".
    static func isSchemeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
