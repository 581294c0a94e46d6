import ConnectCore
import HTTPTypes
import Hummingbird

/// Where a request carries a Connect token, read the way the frameworks read it — the same
/// places for the verifier, the lifecycle rules and the records.
enum TokenSearch {
    /// The Connect token the request carries, from the first place the frameworks look:
    /// `Authorization: JWT <token>`, the `jwt` query parameter, then the session-token places
    /// `X-acpt` and `?acpt=`.
    static func connectToken(in request: Request) -> String? {
        connectTokens(in: request).first
    }

    /// Every Connect token the request carries, wherever the frameworks look, in the order of
    /// `connectToken(in:)` (each `jwt` and `acpt` parameter, each `X-acpt` field): a request
    /// whose tokens differ is ambiguous, since the app may read another one than we verify.
    static func connectTokens(in request: Request) -> [String] {
        var found: [String] = []
        if let header = authorization(request.headers), header.hasPrefix("JWT ") {
            let token = header.utf8.dropFirst(4).drop { $0 == UInt8(ascii: " ") }
            if let end = token.lastIndex(where: { $0 != UInt8(ascii: " ") }) { found.append(String(Substring(token[...end]))) }
        }
        let query = request.uri.query.map { Substring($0) }
        if let query { found += formValues("jwt", in: query) }
        for field in request.headers where field.name == HTTPAnswer.acptHeader && !field.value.isEmpty { found.append(field.value) }
        if let query { found += formValues("acpt", in: query) }
        return found
    }

    /// The `Authorization` field's value; several are joined with ", " as HTTPFields' subscript
    /// does (so a second token makes the value malformed, never ignored), without the
    /// subscript's lazy joining for the usual single field (a tenth of authentication's cost).
    static func authorization(_ fields: HTTPFields) -> String? {
        var found: String?
        for field in fields where field.name == .authorization {
            found = found.map { $0 + ", " + field.value } ?? field.value
        }
        return found
    }

    /// Every non-empty value of a field of `application/x-www-form-urlencoded` text.
    static func formValues(_ name: String, in query: Substring) -> [String] {
        let prefix = name + "="
        return query.split(separator: "&").compactMap { pair in
            guard pair.hasPrefix(prefix) else { return nil }
            let value = PercentEncoding.formDecode(Array(pair.dropFirst(prefix.count).utf8))
            return value.isEmpty ? nil : value
        }
    }

    /// The request's path and query without the `jwt` and `acpt` parameters: what the store
    /// and the access log keep.
    static func pathWithoutToken(_ target: String) -> String {
        guard let question = target.firstIndex(of: "?") else { return target }
        let kept = target[target.index(after: question)...].split(separator: "&").filter { !$0.hasPrefix("jwt=") && !$0.hasPrefix("acpt=") }
        let path = String(target[..<question])
        return kept.isEmpty ? path : path + "?" + kept.joined(separator: "&")
    }

    /// Whether the request says its body is a form (which may carry a `jwt` field).
    static func isForm(_ request: Request) -> Bool {
        request.method == .post && request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
    }

    /// The largest form body searched for a `jwt` field; a larger one is refused where a token
    /// is needed, and streams through unread elsewhere.
    static let maxFormBytes = 1024 * 1024
}
