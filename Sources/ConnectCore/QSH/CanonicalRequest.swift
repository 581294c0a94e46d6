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
        func add(_ part: String) {
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        add(method)
        add("&")
        add(path)
        add("&")
        add(query)
        return hasher.finalize().withUnsafeBytes(Hex.encode)
    }

    /// Lower-case hex SHA-256 of a canonical request text.
    public static func hash(_ canonicalText: String) -> String {
        Hex.encode(SHA256.hash(data: Array(canonicalText.utf8)))
    }

    /// Byte by byte, as Atlassian's implementations work on code units: with `Character`
    /// semantics a combining mark after '/' or '&' would hide it (found by fuzzing).
    static func canonicalPath(_ rawPath: Substring, basePath: Substring) -> String {
        let slash = UInt8(ascii: "/"), ampersand = UInt8(ascii: "&")
        // Most paths are already canonical: "/…", no trailing '/', no '&', no base path.
        if basePath.isEmpty, rawPath.utf8.count > 1, rawPath.utf8.first == slash, rawPath.utf8.last != slash,
           !rawPath.utf8.contains(ampersand) {
            return String(rawPath)
        }
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
        var query = rawQuery
        return query.withUTF8(canonicalQuery(bytes:))
    }

    /// (encoded name, decoded value) pairs; names are grouped and sorted by their encoded
    /// form, values by their decoded form in Java `String` (UTF-16) order.
    ///
    /// Byte ranges in one scratch buffer, not strings: this runs on every request. A component
    /// without '%' or '+' decodes to itself, an unreserved name encodes to itself, and UTF-8
    /// byte order is UTF-16 order unless a value holds U+E000 or above.
    /// `CanonicalQueryReferenceTests` checks it against the rules written plainly.
    static func canonicalQuery(bytes raw: UnsafeBufferPointer<UInt8>) -> String {
        let ampersand = UInt8(ascii: "&"), equals = UInt8(ascii: "=")
        var scratch: [UInt8] = []
        scratch.reserveCapacity(raw.count + 16)
        var pairs: [(name: Range<Int>, value: Range<Int>)] = []
        var start = 0
        while start < raw.count {
            let end = raw[start...].firstIndex(of: ampersand) ?? raw.count
            defer { start = end + 1 }
            guard end > start else { continue }
            let separator = raw[start..<end].firstIndex(of: equals)
            let name = appendDecoded(raw[start..<(separator ?? end)], to: &scratch)
            if scratch[name].elementsEqual("jwt".utf8) {
                scratch.removeLast(name.count)
                continue
            }
            var encodedName = name
            if !scratch[name].allSatisfy(PercentEncoding.isUnreserved) {
                let decoded = Array(scratch[name])
                let from = scratch.count
                PercentEncoding.appendEncoded(decoded, to: &scratch)
                encodedName = from..<scratch.count
            }
            let value = separator.map { appendDecoded(raw[($0 + 1)..<end], to: &scratch) } ?? scratch.count..<scratch.count
            pairs.append((encodedName, value))
        }
        if pairs.isEmpty { return "" }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + 16)
        scratch.withUnsafeBufferPointer { bytes in
            if pairs.count > 1 {
                pairs.sort { lhs, rhs in
                    let leftName = bytes[lhs.name], rightName = bytes[rhs.name]
                    if !leftName.elementsEqual(rightName) { return leftName.lexicographicallyPrecedes(rightName) }
                    let leftValue = bytes[lhs.value], rightValue = bytes[rhs.value]
                    if leftValue.allSatisfy({ $0 < 0xEE }) && rightValue.allSatisfy({ $0 < 0xEE }) {
                        return leftValue.lexicographicallyPrecedes(rightValue)
                    }
                    return String(decoding: leftValue, as: UTF8.self).utf16
                        .lexicographicallyPrecedes(String(decoding: rightValue, as: UTF8.self).utf16)
                }
            }
            for (index, pair) in pairs.enumerated() {
                if index > 0 && bytes[pairs[index - 1].name].elementsEqual(bytes[pair.name]) {
                    out.append(UInt8(ascii: ","))
                } else {
                    if index > 0 { out.append(ampersand) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pair.name]))
                    out.append(equals)
                }
                PercentEncoding.appendEncoded(UnsafeBufferPointer(rebasing: bytes[pair.value]), to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the form-decoded bytes of `component` (itself when it holds no '%' or '+';
    /// invalid UTF-8 after decoding becomes U+FFFD, as in Java) and returns where they are.
    private static func appendDecoded(_ component: Slice<UnsafeBufferPointer<UInt8>>, to scratch: inout [UInt8]) -> Range<Int> {
        let from = scratch.count
        if component.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            scratch.append(contentsOf: PercentEncoding.formDecode(component).utf8)
        } else {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: component))
        }
        return from..<scratch.count
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
