import AdminCore
import ConnectCore
import HTTPTypes
import Hummingbird

/// A request the sidecar will not pass to the app, and why: the app behind it would read it
/// otherwise than the sidecar did (a second request hidden in a body, a path that resolves
/// past a protection glob, two tokens of which only one was checked).
struct UnsafeRequest: Error, Equatable {
    let status: HTTPResponse.Status
    let reason: ReasonCode
    let detail: String
    /// Refused even in `--observe` mode: what it guards is the app's other users, not a check
    /// that observe mode is rehearsing.
    let always: Bool

    /// Framing: methods and fields with which a request can be read as two (RFC 9112 §3.2,
    /// §6.3; RFC 9110 §9.3.8).
    static func framing(_ status: HTTPResponse.Status, _ detail: String) -> UnsafeRequest {
        UnsafeRequest(status: status, reason: .unsafeRequest, detail: detail, always: true)
    }

    private static let hostField = HTTPField.Name("Host")!

    /// The methods whose body no app reads, so that a body sent with them is read by some apps
    /// as the next request: refused with a body (Python's `http.server` is one such app).
    static let bodilessMethods: Set<HTTPRequest.Method> = [.get, .head]

    /// What the sidecar decides on: the request's normalized path, or why it is refused before
    /// any token is looked at.
    static func screen(_ request: Request) throws(UnsafeRequest) -> NormalizedPath {
        let method = request.method
        if method == .trace || method == .connect {
            throw framing(.methodNotAllowed, "\(method.rawValue) is not passed to the app")
        }
        // The first Host became the request's authority; another one is left among the fields.
        if request.headers.contains(where: { $0.name == hostField }) {
            throw framing(.badRequest, "the request has more than one Host field")
        }
        if bodilessMethods.contains(method), request.headers[.transferEncoding] != nil || (request.headers[.contentLength].flatMap { Int64($0) } ?? 0) > 0 {
            throw framing(.badRequest, "a \(method.rawValue) request with a body is not passed to the app")
        }
        let target = request.uri.string
        let rawPath = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
        do {
            return try NormalizedPath(rawPath)
        } catch {
            throw UnsafeRequest(status: .badRequest, reason: .unsafeRequest, detail: error.description, always: false)
        }
    }
}
