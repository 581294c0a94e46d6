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
        self.method = method.uppercased()
        self.path = CanonicalRequest.canonicalPath(rawPath, basePath: basePath)
        self.query = rawQuery.map(CanonicalRequest.canonicalQuery) ?? ""
    }

    /// `METHOD&path&query`, the text that is hashed.
    public var text: String { method + "&" + path + "&" + query }

    public var description: String { text }

    /// The `qsh` claim value: lower-case hex SHA-256 of `text`'s UTF-8 bytes.
    public var queryStringHash: String { CanonicalRequest.hash(text) }

    /// Lower-case hex SHA-256 of a canonical request text.
    public static func hash(_ canonicalText: String) -> String {
        Hex.encode(SHA256.hash(data: Array(canonicalText.utf8)))
    }

    static func canonicalPath(_ rawPath: Substring, basePath: Substring) -> String {
        var path = rawPath
        var base = basePath
        while base.hasSuffix("/") { base = base.dropLast() }
        if !base.isEmpty, path.hasPrefix(base) {
            let rest = path.dropFirst(base.count)
            if rest.isEmpty || rest.hasPrefix("/") { path = rest }
        }
        if path.hasSuffix("/") { path = path.dropLast() }
        if path.isEmpty { return "/" }
        var text = String(path)
        if text.contains("&") { text = text.replacing("&", with: "%26") }
        return text.hasPrefix("/") ? text : "/" + text
    }

    static func canonicalQuery(_ rawQuery: Substring) -> String {
        // Group decoded values by decoded name, as a servlet parameter map does.
        var groups: [String: [String]] = [:]
        for pair in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: String
            let value: String
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                name = PercentEncoding.formDecode(pair[pair.startIndex..<equals])
                value = PercentEncoding.formDecode(pair[pair.index(after: equals)...])
            } else {
                name = PercentEncoding.formDecode(pair)
                value = ""
            }
            if name == "jwt" { continue }
            groups[name, default: []].append(value)
        }
        if groups.isEmpty { return "" }
        let encoded = groups.map { name, values -> (name: String, values: [String]) in
            let sortedValues = values.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            return (PercentEncoding.encode(name), sortedValues.map(PercentEncoding.encode))
        }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var out = ""
        for (index, parameter) in encoded.enumerated() {
            if index > 0 { out += "&" }
            out += parameter.name
            out += "="
            out += parameter.values.joined(separator: ",")
        }
        return out
    }
}

/// The path and query of a URL or of a request target, split without any normalisation:
/// the canonical request needs the path exactly as it was sent.
struct RequestTarget {
    let path: Substring
    let query: Substring?

    init(_ url: String) {
        var rest = Substring(url)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        // Drop "scheme://authority" when present.
        if let schemeEnd = rest.range(of: "://"),
           rest[..<schemeEnd.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            let afterAuthority = rest[schemeEnd.upperBound...]
            let pathStart = afterAuthority.firstIndex { $0 == "/" || $0 == "?" } ?? afterAuthority.endIndex
            rest = afterAuthority[pathStart...]
        }
        if let question = rest.firstIndex(of: "?") {
            path = rest[..<question]
            query = rest[rest.index(after: question)...]
        } else {
            path = rest
            query = nil
        }
    }
}
