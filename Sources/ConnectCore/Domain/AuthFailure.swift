import Foundation

/// One refused request (or `count` identical ones aggregated during a flood). Never the
/// token itself: its fingerprint.
public struct AuthFailure: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var node: String
    /// From `iss`/`aud` when the token was readable.
    public var clientKey: String?
    public var reason: ReasonCode
    public var detail: String
    public var method: String
    /// Path and query, without the `jwt` parameter.
    public var path: String
    public var remoteAddress: String?
    public var userAgent: String?
    public var tokenFingerprint: String?
    public var alg: String?
    public var kid: String?
    public var exp: Int64?
    public var iat: Int64?
    public var count: Int

    public init(id: Int64 = 0, at: Date, node: String, clientKey: String?, reason: ReasonCode, detail: String,
                method: String, path: String, remoteAddress: String? = nil, userAgent: String? = nil,
                tokenFingerprint: String? = nil, alg: String? = nil, kid: String? = nil, exp: Int64? = nil,
                iat: Int64? = nil, count: Int = 1) {
        self.id = id
        self.at = at
        self.node = node
        self.clientKey = clientKey
        self.reason = reason
        self.detail = detail
        self.method = method
        self.path = path
        self.remoteAddress = remoteAddress
        self.userAgent = userAgent
        self.tokenFingerprint = tokenFingerprint
        self.alg = alg
        self.kid = kid
        self.exp = exp
        self.iat = iat
        self.count = count
    }
}

/// Failures are told apart by their row id (lists keep the selection on it across refreshes).
extension AuthFailure: Identifiable {}
