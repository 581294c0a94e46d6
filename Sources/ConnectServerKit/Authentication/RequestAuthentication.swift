import AdminCore
import ConnectCore
import HTTPTypes

/// What the authentication middleware decided about a request: what a handler behind it,
/// the sidecar's disagreement check and the access log read from the request context.
public enum RequestAuthentication: Sendable {
    /// No token, on a route that does not require one.
    case anonymous
    case authenticated(AuthenticatedCaller)
    /// Refused: recorded already, and answered unless the sidecar observes.
    case refused(AuthenticationRefusal)
    /// The store could not be asked: not the caller's fault, so not recorded as a failure.
    case storeUnavailable(StoreError)

    /// The token the request presented, whatever became of it.
    public var token: PresentedToken? {
        switch self {
        case .authenticated(let caller): caller.token
        case .refused(let refusal): refusal.token
        case .anonymous, .storeUnavailable: nil
        }
    }

    /// The reason code of a refusal; `nil` otherwise.
    public var reason: ReasonCode? {
        if case .refused(let refusal) = self { refusal.error.reason } else { nil }
    }
}

/// A request whose token verified, with the tenant it speaks for.
public struct AuthenticatedCaller: Sendable {
    public var token: PresentedToken
    public var claims: JSONObject
    public var tenant: Tenant
    public var subject: String? { claims["sub"]?.stringValue }
}

/// Why a request was refused, and the status that says so.
public struct AuthenticationRefusal: Sendable {
    public var error: ConnectAuthError
    /// The token the refusal is about; `nil` when there was none, or no single one.
    public var token: PresentedToken?
    /// 401 for a token; 413 for a form too large to search for one.
    public var status: HTTPResponse.Status = .unauthorized
}
