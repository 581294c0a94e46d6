import Hummingbird

/// One token family's part in the request pipeline: where a request carries its tokens, and
/// how one of them is verified. The middleware finds, decodes once, refuses ambiguity and
/// records; a verifier only says what a token is worth. Adding a family is one conformance
/// and one entry in `AuthenticationMiddleware.verifiers`.
protocol RequestTokenVerifier: Sendable {
    var family: TokenFamily { get }
    /// Every token of this family in the request's fields and query, in the order the
    /// frameworks read them.
    func tokens(in request: Request) -> [String]
    /// The field of a form body that carries a token of this family, if there is one.
    var formField: String? { get }
    /// The token decoded once, for everyone downstream.
    func present(_ text: String) -> PresentedToken
    /// Verifies a presented token for this request on a route that asks `route` of it.
    func verify(_ token: PresentedToken, _ request: Request, route: RouteAuthentication) async -> RequestAuthentication
}
