import AdminCore
import Foundation

/// The token lab's fields and last result: sign a token for a tenant, or paste one and see
/// every check the server would make.
struct TokenLab: Sendable {
    enum Mode: String, Sendable { case verify, sign }

    enum Kind: String, Sendable, CaseIterable {
        /// Host → app request (qsh of the request, `iss` the tenant).
        case request
        /// Context token (`qsh: context-qsh`).
        case context
        /// App → host call (`iss` the app, `aud` the tenant).
        case outbound
    }

    enum Field: Int, Sendable, CaseIterable {
        case tenant, method, url, kind, ttl, token
    }

    var mode = Mode.verify
    var tenant = ""
    var method = "GET"
    var url = "/rest/api/3/myself"
    var kind = Kind.request
    var ttl = "180"
    var token = ""
    /// The field being edited; `nil` when keys are commands.
    var focus: Field?

    var report: VerificationReport?
    var secretMatch: SecretMatch?
    var signed: SignedToken?
    var error: String?

    struct SignedToken: Sendable {
        var token: String
        var canonical: String
        var qsh: String
        var curl: String
    }

    var fields: [Field] {
        mode == .verify ? [.tenant, .method, .url, .token] : [.tenant, .method, .url, .kind, .ttl]
    }

    func value(_ field: Field) -> String {
        switch field {
        case .tenant: return tenant
        case .method: return method
        case .url: return url
        case .kind: return kind.rawValue
        case .ttl: return ttl
        case .token: return token
        }
    }

    mutating func edit(_ field: Field, _ change: (inout String) -> Void) {
        switch field {
        case .tenant: change(&tenant)
        case .method: change(&method)
        case .url: change(&url)
        case .ttl: change(&ttl)
        case .token: change(&token)
        case .kind:
            let all = Kind.allCases
            kind = all[((all.firstIndex(of: kind) ?? 0) + 1) % all.count]
        }
    }
}
