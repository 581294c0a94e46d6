@testable import AdminCore
@testable import ConnectCore
import Foundation

/// Small builders for store tests; times are whole milliseconds, as the store keeps them.
enum StoreFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func tenant(_ key: String, secret: String = "secret-for-tests-0123456789abcdefgh", state: TenantState = .enabled,
                       product: String = "jira", baseUrl: String? = nil, description: String = "",
                       installedAt: Date = t0, updatedAt: Date? = nil) -> Tenant {
        Tenant(clientKey: key, addonKey: "com.example.app", baseUrl: baseUrl ?? "https://\(key).atlassian.net", productType: product,
               description: description, secret: .open(SharedSecret(secret)), state: state, installedAt: installedAt,
               updatedAt: updatedAt ?? installedAt)
    }

    static func install(_ tenant: Tenant, at: Date, before: String? = nil) -> InstallDecision {
        InstallDecision(event: InstallEvent(at: at, node: "test", clientKey: tenant.clientKey, eventType: .installed, outcome: .accepted,
                                            auth: "rs256:k1", fingerprintBefore: before, fingerprintAfter: tenant.secretFingerprint,
                                            baseUrl: tenant.baseUrl), tenant: tenant)
    }

    static func rejected(_ key: String, at: Date, reason: ReasonCode = .unsignedReinstall) -> InstallDecision {
        InstallDecision(event: InstallEvent(at: at, node: "test", clientKey: key, eventType: .installed, outcome: .rejected,
                                            reason: reason, auth: "none", baseUrl: "https://evil.example"), tenant: nil)
    }

    static func failure(_ key: String?, reason: ReasonCode = .expired, at: Date = t0, count: Int = 1, path: String = "/pages/hello") -> AuthFailure {
        AuthFailure(at: at, node: "test", clientKey: key, reason: reason, detail: "test \(reason.rawValue)", method: "GET", path: path,
                    remoteAddress: "127.0.0.1", userAgent: "tests", tokenFingerprint: "00112233aabbccdd", alg: "HS256",
                    exp: 1, iat: 1, count: count)
    }
}
