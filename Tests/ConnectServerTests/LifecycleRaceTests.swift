import AdminCore
import ConnectCore
import ConnectServerKit
import ConnectTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Lifecycle decisions are atomic: a callback is committed only on the stored row it was
/// decided on. Each race is run many times and the invariant asserted every time.
@Suite struct LifecycleRaceTests {
    typealias H = ServerHarness

    static func secret(_ round: Int) -> String { "race-secret-\(round)-" + String(repeating: "s", count: 32) }

    /// A flood of `enabled` signed with the tenant's current secret races a genuine reinstall
    /// that rotates it. Before the fix, an `enabled` decided on the old row wrote the old
    /// secret back after the reinstall committed. On PostgreSQL the flood goes to a second
    /// node and the reinstalls to the first.
    @Test(arguments: TestStoreBackend.allCases)
    func aRotationIsNeverUndoneByTheSecretItReplaced(_ backend: TestStoreBackend) async throws {
        let server = try await H.start(location: try await backend.freshLocation())
        let node2 = backend == .postgres ? try await server.secondNode() : nil
        let key = "jira:race-\(UUID().uuidString.prefix(8))"
        try await server.install(key, secret: Self.secret(0))
        let rounds = 12
        for round in 1...rounds {
            let old = Self.secret(round - 1), new = Self.secret(round)
            let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for index in 0..<24 {
                    group.addTask {
                        let token = server.requestToken(clientKey: key, secret: old, method: "POST", path: "/enabled")
                        let result = try await server.lifecycle(.enabled, token: token, body: H.payload(key, event: .enabled, secret: old),
                                                                to: index % 2 == 0 ? node2?.local : nil)
                        return ("enabled", result.status)
                    }
                    if index == 8 {
                        group.addTask {
                            let result = try await server.lifecycle(.installed, token: try server.installToken(clientKey: key),
                                                                    body: H.payload(key, event: .installed, secret: new))
                            return ("installed", result.status)
                        }
                    }
                }
                var all: [(String, Int)] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0.0 == "installed" }.map(\.1) == [204], "round \(round)")
            #expect(statuses.allSatisfy { [204, 401].contains($0.1) }, "round \(round): \(statuses)")
            let stored = try #require(try await server.store.tenant(clientKey: key))
            #expect(stored.secret == .open(SharedSecret(new)), "round \(round): the reinstall's secret must stay current")
            let current = try await server.store.secretHistory(clientKey: key).filter { $0.currentUntil == nil }
            #expect(current.map(\.fingerprint) == [SharedSecret(new).fingerprint], "round \(round)")
            let page = try await server.send(.GET, "/pages/hello", token: server.requestToken(clientKey: key, secret: new, method: "GET", path: "/pages/hello"))
            #expect(page.status == 200, "round \(round): the host's new secret is accepted")
        }
        if let node2 {
            await node2.server.stop()
            await node2.store.close()
        }
        await server.stop()
    }

    /// Legacy mode: several unsigned first installs of one clientKey at once. Exactly one
    /// wins; the others are rejected and recorded as rejected.
    @Test(arguments: TestStoreBackend.allCases)
    func concurrentUnsignedFirstInstallsHaveExactlyOneWinner(_ backend: TestStoreBackend) async throws {
        let server = try await H.start(location: try await backend.freshLocation(), legacyInstall: true) { $0.foldWindow = 0 }
        let node2 = backend == .postgres ? try await server.secondNode() : nil
        for round in 0..<10 {
            let key = "bitbucket:first-\(round)-\(UUID().uuidString.prefix(6))"
            let contenders = 6
            let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<contenders {
                    group.addTask {
                        let result = try await server.lifecycle(.installed, token: nil,
                                                                body: H.payload(key, event: .installed, secret: Self.secret(100 + index)),
                                                                to: index % 2 == 1 ? node2?.local : nil)
                        return (index, result.status)
                    }
                }
                var all: [(Int, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            let winners = results.filter { $0.1 == 204 }
            #expect(winners.count == 1, "round \(round): \(results)")
            #expect(results.filter { $0.1 == 401 }.count == contenders - 1, "round \(round): \(results)")
            if let winner = winners.first {
                #expect(try await server.store.tenant(clientKey: key)?.sharedSecret == SharedSecret(Self.secret(100 + winner.0)))
            }
            let events = try await server.store.history(HistoryQuery(clientKey: key))
            #expect(events.filter { $0.outcome == .accepted }.count == 1)
            #expect(events.filter { $0.outcome == .rejected }.reduce(0) { $0 + $1.count } == contenders - 1)
        }
        if let node2 {
            await node2.server.stop()
            await node2.store.close()
        }
        await server.stop()
    }

    /// `enabled`/`disabled` change only the state of an installed tenant.
    @Test func enableAndDisableChangeOnlyTheState() async throws {
        let server = try await H.start(location: try await TestStoreBackend.sqlite.freshLocation())
        let key = "jira:state-only"
        try await server.install(key, secret: Self.secret(0))
        let before = try #require(try await server.store.tenant(clientKey: key))
        let sign = { (event: InstallEvent.EventType) in
            server.requestToken(clientKey: key, secret: Self.secret(0), method: "POST", path: "/\(event.rawValue)")
        }
        let rewritten = H.payload(key, event: .disabled, secret: Self.secret(9), baseUrl: "https://elsewhere.example")
        let disabled = try await server.lifecycle(.disabled, token: sign(.disabled), body: rewritten)
        #expect(disabled.status == 204)
        let after = try #require(try await server.store.tenant(clientKey: key))
        #expect(after.state == .disabled)
        #expect(after.baseUrl == before.baseUrl)
        #expect(after.secret == before.secret)
        let event = try #require(try await server.store.history(HistoryQuery(clientKey: key, limit: 1)).first)
        #expect(event.detail.contains("baseUrl"), "the difference is recorded: \(event.detail)")
        #expect(event.detail.contains("sharedSecret"))
        #expect(!event.detail.contains(Self.secret(9)), "never the secret itself")

        let uninstall = try await server.lifecycle(.uninstalled, token: try server.installToken(clientKey: key, path: "/uninstalled"),
                                                   body: H.payload(key, event: .uninstalled))
        #expect(uninstall.status == 204)
        let resurrect = try await server.lifecycle(.enabled, token: sign(.enabled), body: H.payload(key, event: .enabled))
        #expect(resurrect.status == 401)
        #expect(resurrect.body.contains("tenant_uninstalled"))
        #expect(try await server.store.tenant(clientKey: key)?.state == .uninstalled, "an uninstalled tenant needs /installed")
        await server.stop()
    }
}
