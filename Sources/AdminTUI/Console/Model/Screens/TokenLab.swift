import AdminCore
import Foundation

/// The token lab's vocabulary: what it signs, its fields, and what it produced.
enum TokenLab {
    enum Mode: String, Sendable { case verify, sign }

    enum Kind: String, Sendable, CaseIterable {
        /// Host → app request (qsh of the request, `iss` the tenant).
        case request
        /// Context token (`qsh: context-qsh`).
        case context
        /// App → host call (`iss` the app, `aud` the tenant).
        case outbound
    }

    enum Field: String, Sendable, CaseIterable {
        case tenant, method, url, kind, ttl, token
    }

    struct SignedToken: Sendable {
        var token: String
        var canonical: String
        var qsh: String
        var curl: String
    }

    /// What another screen hands the lab: a tenant, and a request to check tokens against.
    struct Preset: Sendable, Equatable {
        var tenant: String
        var method: String?
        var url: String?

        init(tenant: String, method: String? = nil, url: String? = nil) {
            self.tenant = tenant
            self.method = method
            self.url = url
        }
    }
}
