import AdminCore
import ConnectCore
import Hummingbird

/// Authentication, once for every guarded route of the host and for the sidecar: finds the
/// request's token (its fields, its query, a small form body), refuses a request that carries
/// several different ones, lets the token's family verify it, and puts the outcome in the
/// request context. A refusal is recorded and answered here — 401 (or 413) with the reason in
/// the body and in `X-Connect-Auth-Reason` — and nowhere else.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ConnectRequestContext

    /// How a refusal is answered.
    enum Enforcement: Sendable {
        /// Refused requests get the refusal; the handler never sees them.
        case enforce
        /// Refusals are recorded and the request goes on to the handler, which finds the
        /// refusal in the context (the sidecar's `--observe`).
        case observe
    }

    /// Every token family the server checks; the first that finds a token verifies it.
    let verifiers: [any RequestTokenVerifier]
    let failures: RequestFailures
    var route = RouteAuthentication()
    var enforcement = Enforcement.enforce

    /// The same middleware asking `route` of the request.
    func asking(_ route: RouteAuthentication) -> AuthenticationMiddleware {
        var copy = self
        copy.route = route
        return copy
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request, context = context
        let authentication = await authenticate(&request)
        context.authentication = authentication
        switch authentication {
        case .anonymous, .authenticated:
            return try await next(request, context)
        case .refused(let refusal):
            failures.record(refusal.error, request, context, token: refusal.token)
            guard enforcement == .observe else { return HTTPAnswer.refused(refusal.error, status: refusal.status) }
            return try await next(request, context)
        case .storeUnavailable:
            guard enforcement == .observe else { return HTTPAnswer.storeUnavailable() }
            return try await next(request, context)
        }
    }

    /// The request's one token, verified by its family. A form body that was searched is
    /// kept in `request`, so whoever reads the body next reads the same bytes.
    func authenticate(_ request: inout Request) async -> RequestAuthentication {
        var found: [(text: String, verifier: any RequestTokenVerifier)] = []
        for verifier in verifiers {
            for text in verifier.tokens(in: request) { found.append((text, verifier)) }
        }
        if TokenSearch.isForm(request), verifiers.contains(where: { $0.formField != nil }) {
            if let form = await Self.formBody(of: &request) {
                let text = Substring(String(buffer: form))
                for verifier in verifiers {
                    guard let field = verifier.formField else { continue }
                    for value in TokenSearch.formValues(field, in: text) { found.append((value, verifier)) }
                }
            } else if route.required || !found.isEmpty {
                let error = ConnectAuthError(.unsafeRequest, "a form body over \(TokenSearch.maxFormBytes / 1024) KiB or of unknown length cannot be checked for a jwt field")
                return .refused(AuthenticationRefusal(error: error, token: nil, status: .contentTooLarge))
            }
        }
        guard let first = found.first else {
            guard route.required else { return .anonymous }
            return .refused(AuthenticationRefusal(error: ConnectAuthError(.missingToken, "no JWT in the Authorization header, the jwt parameter or X-acpt"), token: nil))
        }
        // Several tokens must be one token: the app may read another than the one we verify.
        if found.count > 1, case let distinct = Set(found.map(\.text)).count, distinct > 1 {
            let error = ConnectAuthError(.ambiguousToken, "the request carries \(distinct) different tokens (Authorization, jwt or acpt parameters, X-acpt, a jwt form field)")
            return .refused(AuthenticationRefusal(error: error, token: nil))
        }
        return await first.verifier.verify(first.verifier.present(first.text), request, route: route)
    }

    /// The body of a form post of known, small size, read and put back into the request;
    /// `nil` (the body untouched) for anything else.
    static func formBody(of request: inout Request) async -> ByteBuffer? {
        guard request.headers[.transferEncoding] == nil, let length = request.headers[.contentLength].flatMap({ Int($0) }),
              length <= TokenSearch.maxFormBytes else { return nil }
        return try? await request.collectBody(upTo: TokenSearch.maxFormBytes)
    }
}
