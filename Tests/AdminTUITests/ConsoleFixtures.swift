@testable import AdminTUI
import AdminCore
import ConnectCore
import Foundation

/// A fixed store's worth of rows and a fixed clock, so screens render the same every time.
enum ConsoleFixtures {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T11:06:40Z

    static func tenant(_ index: Int, description: String? = nil, baseUrl: String? = nil, state: TenantState = .enabled) -> Tenant {
        let product = index % 3 == 0 ? "confluence" : "jira"
        return Tenant(
            clientKey: String(format: "%08x-1111-2222-3333-%012d", index * 2_654_435 % 0xFFFF_FFFF, index),
            addonKey: "com.example.app", baseUrl: baseUrl ?? "https://site-\(index).atlassian.net" + (product == "confluence" ? "/wiki" : ""),
            productType: product, description: description ?? "Atlassian \(product) site \(index)",
            secret: .open(secret(index)), state: state,
            installedAt: now.addingTimeInterval(-Double(index + 1) * 86_400 * 3), updatedAt: now.addingTimeInterval(-Double(index) * 3600))
    }

    static func secret(_ index: Int) -> SharedSecret { SharedSecret("fixture-secret-\(index)-0123456789abcdefghijkl") }

    /// Includes a hostile row: ESC sequences, BEL and an OSC title sequence in the description
    /// and the base URL.
    static let hostile = tenant(3, description: "evil \u{1b}]0;pwned\u{07}\u{1b}[2J\u{1b}[31mRED", baseUrl: "https://x.example/\u{1b}[H\u{9b}2J")
    /// A fullwidth (CJK) base URL: two cells per character, so columns after it must still line up.
    static let fullwidth = tenant(1, baseUrl: "https://日本語のサイト.example.jp")

    static var tenants: [TenantRow] {
        (0..<30).map { index in
            let row = index == 3 ? hostile : index == 1 ? fullwidth : tenant(index, state: index % 7 == 6 ? .uninstalled : (index % 5 == 4 ? .disabled : .enabled))
            return TenantRow(tenant: row, recentFailures: index % 4 == 0 ? index * 3 : 0)
        }
    }

    static var events: [InstallEvent] {
        (0..<25).map { index in
            let key = tenant(index % 6).clientKey
            let rejected = index % 5 == 2
            return InstallEvent(id: Int64(100 - index), at: now.addingTimeInterval(-Double(index) * 1800), node: "node-\(index % 2 + 1)",
                                clientKey: key, eventType: index % 4 == 3 ? .disabled : .installed, outcome: rejected ? .rejected : .accepted,
                                reason: rejected ? .unsignedReinstall : nil, auth: rejected ? "none" : "rs256:key-\(index % 3)",
                                fingerprintBefore: index % 3 == 0 ? "aaaabbbbccccdddd" : "1111222233334444",
                                fingerprintAfter: rejected ? nil : "1111222233334444", baseUrl: "https://site.atlassian.net",
                                count: index == 7 ? 3_000 : 1)
        }
    }

    static var failures: [AuthFailure] {
        let reasons: [ReasonCode] = [.expired, .qshMismatch, .badSignature, .missingToken, .unknownIssuer, .tenantUninstalled]
        return (0..<40).map { index in
            AuthFailure(id: Int64(1000 - index), at: now.addingTimeInterval(-Double(index) * 37), node: "node-\(index % 2 + 1)",
                        clientKey: index % 6 == 3 ? nil : tenant(index % 5).clientKey, reason: reasons[index % reasons.count],
                        detail: index == 1 ? qshDetail : "detail \(index)", method: index % 2 == 0 ? "GET" : "POST",
                        path: index == 2 ? "/ページ/こんにちは?i=2" : "/pages/hello?i=\(index)",
                        remoteAddress: "203.0.113.\(index)", userAgent: "Atlassian HttpClient 4.2.1", tokenFingerprint: "0f1e2d3c4b5a6978",
                        alg: "HS256", kid: nil, exp: 1_795_000_000 - 60, iat: 1_795_000_000 - 240, count: index % 9 == 0 ? 12 : 1)
        }
    }

    /// The kind of explanation a qsh mismatch carries: long, so it wraps on the Failure screen.
    static let qshDetail = "qsh mismatch: token signed for GET&/pages/hello&i=1 but the request is POST&/pages/hello&i=1 "
        + "(method differs); the request's qsh is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    /// Hands `answer` to the core as the current answer for `slot`.
    @discardableResult
    static func deliver(_ answer: Answer, to slot: Slot, in core: inout ConsoleCore) -> [DataRequest] {
        core.receive(DataAnswer(slot: slot, generation: core.generations[slot] ?? 0, answer: answer))
    }

    /// A console core as it is after its first data arrived, at `rows` x `columns`, on Tenants.
    static func core(rows: Int, columns: Int) -> ConsoleCore {
        var core = ConsoleCore()
        core.now = now
        core.header.store = "sqlite:/var/lib/app/connect.sqlite"
        core.resize(rows: rows, columns: columns)
        _ = core.start()
        deliver(.header(tenantCount: 30, rate: FailureRate(perMinute: (0..<30).map { ($0 * 7) % 23 }, lastSixtySeconds: 12), newestFailureID: 1000, capabilities: .all), to: .header, in: &core)
        deliver(.tenants(TenantPage(rows: tenants, next: nil), append: false), to: .tenants, in: &core)
        _ = core.perform(.screen(.history))
        deliver(.history(events), to: .history, in: &core)
        _ = core.perform(.screen(.failures))
        deliver(.failures(failures, newestID: 1000), to: .failures, in: &core)
        _ = core.perform(.screen(.tenants))
        return core
    }
}
