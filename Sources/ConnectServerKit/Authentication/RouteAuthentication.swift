/// What a route asks of a request's token.
struct RouteAuthentication: Sendable {
    /// A request without a token is refused (`missing_token`). When `false`, a request without
    /// one passes as `.anonymous`, and a token it does carry must still verify.
    var required = true
    /// Connect: context tokens (`qsh: context-qsh`, the app's own pages calling its API) are
    /// accepted besides tokens signed over this request.
    var allowsContextQSH = false
    /// Connect: session tokens this app issued to its own pages (atlassian-connect-express's
    /// `X-acpt`: `iss` the app, `aud` the tenant, no qsh) are accepted too.
    var sessionAppKey: String?
}
