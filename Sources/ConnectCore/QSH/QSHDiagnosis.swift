/// Explains a qsh mismatch by finding the request a token *was* signed for.
///
/// A hash cannot be reversed, but the usual culprits are few: another method, a dropped
/// query, a context path the proxy added or removed, a path re-encoded on the way. Trying
/// those near the actual request turns "qsh mismatch" into "signed for `GET&/x&`".
/// Runs only on failures, never on the hot path.
public enum QSHDiagnosis {
    /// The `qsh` value of context tokens, which are not bound to one request.
    public static let contextQSH = "context-qsh"

    static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]

    /// The canonical text of a request near `request` whose hash is `qsh`, if one is found.
    public static func requestMatching(qsh: String, near request: CanonicalRequest) -> String? {
        for candidate in candidates(near: request) where CanonicalRequest.hash(candidate) == qsh {
            return candidate
        }
        return nil
    }

    static func candidates(near request: CanonicalRequest) -> [String] {
        let decodedPath = PercentEncoding.formDecode(request.path.utf8.filter { $0 != UInt8(ascii: "+") })
        let encodedPath = request.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(PercentEncoding.formDecode(Array($0.utf8))) }
            .joined(separator: "/")
        var paths = [request.path, decodedPath, encodedPath]
        // A context path added or removed by a proxy: try dropping the first segment.
        let segments = request.path.split(separator: "/")
        if segments.count > 1 { paths.append("/" + segments.dropFirst().joined(separator: "/")) }
        var out: [String] = []
        for path in paths {
            for query in [request.query, ""] {
                for method in [request.method] + methods where method != request.method || path != request.path || query != request.query {
                    out.append(method + "&" + path + "&" + query)
                }
            }
        }
        return out
    }
}
