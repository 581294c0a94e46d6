import ConnectCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The server's own answers (not the app's): a JSON body naming the reason code, and the
/// fields callers and the access log read.
enum HTTPAnswer {
    /// `{"error": "<status phrase>", "reason": "<reason code>"}`.
    static func json(status: HTTPResponse.Status, reason: String) -> Response {
        let body = JSONValue.object(JSONObject(["error": .string(status.reasonPhrase), "reason": .string(reason)])).jsonText()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A refused request (401 for a token, or the status an unsafe request earns) with the
    /// reason code in the body and in `X-Connect-Auth-Reason`.
    static func refused(_ error: ConnectAuthError, status: HTTPResponse.Status = .unauthorized) -> Response {
        var response = json(status: status, reason: error.reason.rawValue)
        response.headers[reasonHeader] = error.reason.rawValue
        return response
    }

    /// 503 with `Retry-After`: the store cannot be asked now; the caller should retry.
    static func storeUnavailable() -> Response {
        var response = json(status: .serviceUnavailable, reason: "store_unavailable")
        response.headers[.retryAfter] = "5"
        return response
    }

    /// A valid field name, so the literal always parses.
    static let reasonHeader = HTTPField.Name("X-Connect-Auth-Reason")!

    /// ACE's header for the session token. A valid field name, so the literal always parses.
    static let acptHeader = HTTPField.Name("X-acpt")!
}
