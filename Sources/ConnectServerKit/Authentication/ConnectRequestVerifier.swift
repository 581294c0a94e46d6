import AdminCore
import ConnectCore
import Hummingbird

/// Connect tokens on the request path: ConnectCore's verifier (the same code the console's
/// token lab explains) over the tenant the token names, with its stored secret.
struct ConnectRequestVerifier: RequestTokenVerifier {
    let verifier: ConnectTokenVerifier
    let directory: TenantDirectory
    let health: StoreHealth
    /// The base URL's path, stripped from request paths before qsh, as the host does.
    let basePath: Substring

    var family: TokenFamily { .connect }
    var formField: String? { "jwt" }

    func tokens(in request: Request) -> [String] {
        TokenSearch.connectTokens(in: request)
    }

    func present(_ text: String) -> PresentedToken {
        PresentedToken(text: text, family: .connect, limits: verifier.limits)
    }

    func verify(_ token: PresentedToken, _ request: Request, route: RouteAuthentication) async -> RequestAuthentication {
        let decoded: ConnectToken
        switch token.decoded {
        case .success(let structure): decoded = structure
        case .failure(let error): return .refused(AuthenticationRefusal(error: error, token: token))
        }
        guard let clientKey = decoded.tenantKey else {
            return .refused(AuthenticationRefusal(error: ConnectAuthError(.missingClaim, "token has no iss or aud naming a tenant"), token: token))
        }
        let tenant: Tenant?
        do {
            tenant = try await directory.tenant(clientKey: clientKey, health: health)
        } catch {
            return .storeUnavailable(error)
        }
        let target = RequestTarget(request.uri.string)
        let canonical = CanonicalRequest(method: request.method.rawValue, rawPath: target.path, rawQuery: target.query, basePath: basePath)
        var expectation = TokenExpectation(request: canonical, allowsContextQSH: route.allowsContextQSH, audience: .tenant(clientKey))
        if let appKey = route.sessionAppKey, decoded.issuer == appKey, decoded.queryStringHash == nil {
            expectation = TokenExpectation(audience: .tenant(clientKey), kind: .appSession(appKey: appKey))
        }
        let report = verifier.verify(decoded, expecting: expectation, now: UnixTime.now(), key: TenantKeyLookup.lookup(tenant, clientKey: clientKey))
        if let tenant, report.valid {
            return .authenticated(AuthenticatedCaller(token: token, claims: decoded.claims, tenant: tenant))
        }
        let error = report.firstFailure ?? ConnectAuthError(.badSignature, "token not verified")
        return .refused(AuthenticationRefusal(error: error, token: token))
    }
}
