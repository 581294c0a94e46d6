@testable import AdminCore
@testable import ConnectCore
import Foundation
import ConnectTestSupport
import Testing

/// One suite, run against SQLite and against a real PostgreSQL server: both backends must
/// behave identically.
@Suite struct StoreConformanceTests {
    typealias F = StoreFixtures

    /// A decision is committed only on the row it was made on; otherwise nothing at all is
    /// written (not even its event) and the store says `.conflict`.
    /// The served-by marker (schema 6): none on a new store, the last writer's node after.
    @Test(arguments: TestStoreBackend.allCases)
    func theServedByMarkerKeepsTheLastNode(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        #expect(try await store.servedBy()?.node == nil)
        try await store.markServed(node: "node-a")
        try await store.markServed(node: "node-b")
        let served = try #require(try await store.servedBy())
        #expect(served.node == "node-b" && abs(served.at.timeIntervalSinceNow) < 3600)
        await store.close()
    }

    @Test(arguments: TestStoreBackend.allCases)
    func guardedDecisionsCommitOnlyOnTheRowTheyWereMadeOn(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let tenant = F.tenant("jira:cas", secret: "first-secret-0123456789abcdefghijkl", state: .installed)
        var first = F.install(tenant, at: F.t0)
        first.basis = .absent
        try await store.record(first)
        // A second first install of the same key: conflict.
        await #expect(throws: StoreError(.conflict, "the row changed while the write was decided")) { try await store.record(first) }

        var disable = F.tenant("jira:cas", secret: "first-secret-0123456789abcdefghijkl", state: .disabled)
        disable.baseUrl = "https://must-not-be-written.example"
        func stateChange(basis: InstallDecision.Basis) -> InstallDecision {
            InstallDecision(event: InstallEvent(at: F.t0.addingTimeInterval(5), node: "test", clientKey: "jira:cas", eventType: .disabled,
                                                outcome: .accepted, auth: "hs256:stored-secret"), tenant: disable, basis: basis)
        }
        // Decided on a secret that is no longer current, or on another state: conflict, nothing written.
        for stale in [InstallDecision.Basis.secretAndState(fingerprint: SharedSecret("old-secret-0123456789abcdefghijklmn").fingerprint, state: .installed),
                      .secretAndState(fingerprint: tenant.secretFingerprint, state: .enabled)] {
            do {
                try await store.record(stateChange(basis: stale))
                Issue.record("a stale decision was committed")
            } catch {
                #expect(error.kind == .conflict)
            }
        }
        #expect(try await store.history(HistoryQuery(clientKey: "jira:cas")).count == 1, "a refused decision writes no event")
        #expect(try await store.tenant(clientKey: "jira:cas")?.state == .installed)
        // On the row as it is: only the state (and its time) change.
        try await store.record(stateChange(basis: .secretAndState(fingerprint: tenant.secretFingerprint, state: .installed)))
        let stored = try #require(try await store.tenant(clientKey: "jira:cas"))
        #expect(stored.state == .disabled)
        #expect(stored.baseUrl == tenant.baseUrl, "a state change writes the state only")
    }

    @Test(arguments: TestStoreBackend.allCases)
    func installDecisionsWriteTenantEventAndSecretHistoryAtomically(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let first = F.tenant("jira:a", secret: "first-secret-0123456789abcdefghijkl")
        try await store.record(F.install(first, at: F.t0))
        var second = F.tenant("jira:a", secret: "second-secret-0123456789abcdefghijk", state: .installed,
                              installedAt: F.t0.addingTimeInterval(100), updatedAt: F.t0.addingTimeInterval(100))
        second.description = "reinstalled"
        try await store.record(F.install(second, at: F.t0.addingTimeInterval(100), before: first.secretFingerprint))

        let stored = try #require(try await store.tenant(clientKey: "jira:a"))
        #expect(stored.secret == second.secret)
        #expect(stored.installedAt == F.t0)  // first install time is kept
        #expect(stored.updatedAt == F.t0.addingTimeInterval(100))
        #expect(stored.description == "reinstalled")
        // The filter's index follows updates (trigram index triggers on SQLite, pg_trgm on PostgreSQL).
        #expect(try await store.tenants(TenantQuery(filter: "reinstal")).rows.map(\.tenant.clientKey) == ["jira:a"])
        #expect(stored.state == .installed)

        let history = try await store.history(HistoryQuery(clientKey: "jira:a"))
        #expect(history.count == 2)
        #expect(history[0].rotatedSecret)
        #expect(history[0].id > history[1].id)

        let secrets = try await store.secretHistory(clientKey: "jira:a")
        #expect(secrets.map(\.fingerprint) == [second.secretFingerprint, first.secretFingerprint])
        #expect(secrets[0].isCurrent)
        #expect(secrets[1].currentUntil == F.t0.addingTimeInterval(100))
        #expect(SecretMatch.find(fingerprint: first.secretFingerprint, in: secrets)
            == .stale(fingerprint: first.secretFingerprint, currentFrom: F.t0, until: F.t0.addingTimeInterval(100)))
    }

    @Test(arguments: TestStoreBackend.allCases)
    func rejectedDecisionWritesOnlyTheEvent(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let tenant = F.tenant("jira:victim")
        try await store.record(F.install(tenant, at: F.t0))
        // A rejected decision carrying a tenant (a bug upstream) still cannot change the row.
        var hijacked = tenant
        hijacked.secret = .open(SharedSecret("attacker-secret-0123456789abcdefghij"))
        let attempt = F.rejected("jira:victim", at: F.t0.addingTimeInterval(5))
        try await store.record(InstallDecision(event: attempt.event, tenant: hijacked))
        #expect(try await store.tenant(clientKey: "jira:victim") == tenant)
        let rejected = try await store.history(HistoryQuery(outcome: .rejected))
        #expect(rejected.count == 1)
        #expect(rejected.first?.reason == .unsignedReinstall)
        #expect(try await store.secretHistory(clientKey: "jira:victim").count == 1)
    }

    @Test(arguments: TestStoreBackend.allCases)
    func tenantPagesFilterSortAndPageWithoutGapsOrRepeats(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        var tenants: [Tenant] = []
        for index in 0..<57 {
            let product = index % 3 == 0 ? "confluence" : "jira"
            let state: TenantState = [.installed, .enabled, .disabled, .uninstalled][index % 4]
            tenants.append(F.tenant(String(format: "key-%03d", (index * 37) % 57), state: state, product: product,
                                    description: index % 5 == 0 ? "Special 100%_Site" : "site \(index)",
                                    installedAt: F.t0.addingTimeInterval(Double(index % 7) * 60),
                                    updatedAt: F.t0.addingTimeInterval(Double(index % 11) * 60)))
        }
        try await store.importRows(tenants: tenants, secrets: [], events: [])

        for column in TenantQuery.SortColumn.allCases {
            for descending in [false, true] {
                var query = TenantQuery(sort: column, descending: descending, limit: 10)
                var seen: [String] = []
                while true {
                    let page = try await store.tenants(query)
                    seen += page.rows.map(\.tenant.clientKey)
                    guard let next = page.next else { break }
                    query.after = next
                }
                let expected = tenants.sorted { lhs, rhs in
                    let l = StoreStatements.sortValue(of: lhs, column), r = StoreStatements.sortValue(of: rhs, column)
                    if l != r { return Self.less(l, r) != descending }
                    return (lhs.clientKey < rhs.clientKey) != descending
                }.map(\.clientKey)
                #expect(seen == expected, "sort \(column) desc \(descending)")
            }
        }
        // Filter: case-insensitive substring; % and _ are literal, not wildcards.
        let filtered = try await store.tenants(TenantQuery(filter: "SPECIAL 100%_", limit: 100))
        #expect(filtered.rows.count == 12)
        #expect(try await store.tenants(TenantQuery(filter: "100%x", limit: 100)).rows.isEmpty)
        let disabled = try await store.tenants(TenantQuery(state: .disabled, limit: 100))
        #expect(disabled.rows.count == tenants.filter { $0.state == .disabled }.count)
        #expect(disabled.rows.allSatisfy { $0.tenant.state == .disabled })
    }

    static func less(_ lhs: SQLValue, _ rhs: SQLValue) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let l), .integer(let r)): return l < r
        case (.text(let l), .text(let r)): return l < r
        default: return false
        }
    }

    @Test(arguments: TestStoreBackend.allCases)
    func failuresFilterTailAndRecentCounts(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let now = F.t0
        try await store.importRows(tenants: [F.tenant("a"), F.tenant("b")], secrets: [], events: [])
        try await store.record([
            F.failure("a", reason: .expired, at: now.addingTimeInterval(-7200)),
            F.failure("a", reason: .qshMismatch, at: now.addingTimeInterval(-60)),
            F.failure("a", reason: .expired, at: now.addingTimeInterval(-30), count: 40),
            F.failure("b", reason: .badSignature, at: now.addingTimeInterval(-10)),
            F.failure(nil, reason: .missingToken, at: now.addingTimeInterval(-5)),
        ])
        let all = try await store.failures(FailureQuery())
        #expect(all.count == 5)
        #expect(all.map(\.id) == all.map(\.id).sorted(by: >))
        #expect(all.first?.clientKey == nil)
        #expect(try await store.failures(FailureQuery(clientKey: "a")).count == 3)
        #expect(try await store.failures(FailureQuery(reason: .expired)).map(\.count) == [40, 1])
        #expect(try await store.failures(FailureQuery(since: now.addingTimeInterval(-3600))).count == 4)
        // The console's rate: folded floods by their count, from `since` on (inclusive).
        #expect(try await store.failureCount(since: now.addingTimeInterval(-60)) == 43)
        #expect(try await store.failureCount(since: now.addingTimeInterval(-59)) == 42)

        let page = try await store.tenants(TenantQuery(now: now, failureWindow: 3600))
        #expect(page.rows.map(\.recentFailures) == [41, 1])

        let firstID = try #require(all.last?.id)
        let tail = try await store.failures(.tail(after: firstID))
        #expect(tail.map(\.id) == Array(all.map(\.id).reversed().dropFirst()))
        #expect(try await store.lastFailureID() == all.first?.id)
        #expect(try await store.failures(.tail(after: all[0].id)).isEmpty)
    }

    /// A console's live tail is woken by failures another process records: on PostgreSQL by
    /// the notification the writer's batch sends, on SQLite by the file's data_version. The
    /// writer keeps recording until the reader wakes (the watch may not be in place for the
    /// first batch); a watch that never wakes, or ends, fails the test.
    @Test(arguments: TestStoreBackend.allCases)
    func failureSignalsWakeAReaderWhenAnotherConnectionRecords(_ backend: TestStoreBackend) async throws {
        let location = try await backend.freshLocation()
        let writer = try await ConnectStore.open(location)
        let reader = try await ConnectStoreReader.open(location)
        let signals = reader.failureSignals(checkEvery: .milliseconds(10))
        let woken = await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                for await _ in signals { return true }
                return false
            }
            group.addTask {
                for index in 0..<400 {
                    try? await writer.record([F.failure("a", path: "/signal/\(index)")])
                    try? await Task.sleep(for: .milliseconds(50))
                    if Task.isCancelled { return nil }
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        #expect(woken == true, "the reader's watch \(woken == false ? "ended" : "never woke") while failures were recorded")
        await reader.close()
        await writer.close()
    }

    @Test(arguments: TestStoreBackend.allCases)
    func historyPagesBackwards(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        for index in 0..<25 {
            try await store.record(F.rejected("k\(index % 3)", at: F.t0.addingTimeInterval(Double(index))))
        }
        var query = HistoryQuery(limit: 10)
        var ids: [Int64] = []
        while true {
            let page = try await store.history(query)
            ids += page.map(\.id)
            guard page.count == query.limit, let last = page.last else { break }
            query.beforeID = last.id
        }
        #expect(ids.count == 25)
        #expect(ids == ids.sorted(by: >))
        #expect(Set(ids).count == 25)
        #expect(try await store.history(HistoryQuery(clientKey: "k1")).count == 8)
    }

    @Test(arguments: TestStoreBackend.allCases)
    func retentionPrunesOnlyOldFailuresInBatches(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let old = (0..<23).map { F.failure("a", at: F.t0.addingTimeInterval(-40 * 86_400 + Double($0))) }
        let young = (0..<4).map { F.failure("a", at: F.t0.addingTimeInterval(Double(-$0))) }
        try await store.record(old + young)
        let deleted = try await store.pruneFailures(olderThan: F.t0.addingTimeInterval(-30 * 86_400), batchSize: 5)
        #expect(deleted == 23)
        let left = try await store.failures(FailureQuery())
        #expect(left.count == 4)
        #expect(left.allSatisfy { $0.at > F.t0.addingTimeInterval(-10) })
    }

    @Test(arguments: TestStoreBackend.allCases)
    func readersNeverWriteAndCheckTheSchemaVersion(_ backend: TestStoreBackend) async throws {
        let location = try await backend.freshLocation()
        // A reader facing nothing refuses rather than creating a store.
        await #expect(throws: StoreError.self) { _ = try await ConnectStoreReader.open(location) }
        if case .sqlite(let path) = location { #expect(!FileManager.default.fileExists(atPath: path)) }

        let writer = try await ConnectStore.open(location)
        try await writer.record(F.install(F.tenant("a"), at: F.t0))
        let reader = try await ConnectStoreReader.open(location)
        #expect(try await reader.tenant(clientKey: "a") != nil)
        // A reader has no write method (the compiler says so); below the type, its engine
        // refuses writes too: SQLite's file is open read-only, PostgreSQL's session is.
        if let engine = reader.reads.database as? any SQLDatabase {
            await #expect(throws: StoreError.self) {
                try await engine.transaction([SQLStatement("DELETE FROM tenant")])
            }
        } else {
            #expect(reader.reads.database is SQLiteReader)
            await #expect(throws: StoreError.self) {
                _ = try await reader.reads.database.rows(SQLStatement("DELETE FROM tenant RETURNING client_key"))
            }
        }
        #expect(try await reader.tenant(clientKey: "a") != nil)

        // Newer schema: refused with the advice to upgrade; older: the command that migrates.
        try await writer.database.transaction([SQLStatement("INSERT INTO connect_admin_schema (version) VALUES (99)")])
        do {
            _ = try await ConnectStoreReader.open(location)
            Issue.record("a newer schema must be refused")
        } catch {
            #expect(error.kind == .schemaTooNew)
            #expect(error.message.contains("upgrade connect-admin"))
        }
        try await writer.database.transaction([SQLStatement("DELETE FROM connect_admin_schema"),
                                               SQLStatement("INSERT INTO connect_admin_schema (version) VALUES (0)")])
        do {
            _ = try await ConnectStoreReader.open(location)
            Issue.record("an older schema must be refused")
        } catch {
            #expect(error.kind == .schemaTooOld)
            #expect(error.message.contains("connect-admin store migrate"))
        }
        await reader.close()
        await writer.close()
    }

    @Test(arguments: TestStoreBackend.allCases)
    func hostileTextRoundTripsUnchanged(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let hostile = "evil\u{1b}]0;owned\u{07}\u{1b}[2J\u{9b}31m 'quoted'; DROP TABLE tenant; -- \u{202e}é漢"
        try await store.record(F.install(F.tenant("jira:hostile", description: hostile), at: F.t0))
        #expect(try await store.tenant(clientKey: "jira:hostile")?.description == hostile)
        #expect(try await store.tenants(TenantQuery(filter: "drop table")).rows.count == 1)
    }

    /// The bulk path (`COPY` text on PostgreSQL, where tab, newline, carriage return and
    /// backslash are separators or escapes) must store every text exactly as the statement
    /// path does, NULLs as NULL and empty strings as empty, rows in the order given.
    @Test(arguments: TestStoreBackend.allCases)
    func bulkImportsStoreEveryTextExactly(_ backend: TestStoreBackend) async throws {
        let store = try await backend.freshStore()
        defer { Task { await store.close() } }
        let texts = ["tab\there", "line\nbreak\r\n", "back\\slash \\N \\.", "\\N", "\\.", "", "\u{1b}[2J\u{7f}é漢\u{202e}",
                     "a\tb\\tc", "'; DROP TABLE auth_failure; --"]
        var failures: [AuthFailure] = []
        for (index, text) in texts.enumerated() {
            var failure = F.failure(index % 2 == 0 ? nil : "jira:\(text)", at: F.t0.addingTimeInterval(Double(index)), path: "/p?\(text)")
            failure.detail = text
            failure.userAgent = index % 3 == 0 ? nil : text
            failure.exp = index % 2 == 0 ? nil : Int64(-index)
            failures.append(failure)
        }
        try await store.importFailures(failures)
        let stored = try await store.failures(FailureQuery(limit: 100, afterID: 0))
        #expect(stored.count == failures.count)
        for (written, read) in zip(failures, stored) {
            var expected = written
            expected.id = read.id
            #expect(read == expected)
        }
        #expect(stored.map { $0.id } == stored.map { $0.id }.sorted(), "rows keep the order they were given in")

        var tenant = F.tenant("jira:bulk\tkey", description: texts.joined(separator: "|"))
        tenant.displayUrl = nil
        tenant.serverVersion = ""
        let event = InstallEvent(at: F.t0, node: "n\\1", clientKey: tenant.clientKey, eventType: .installed, outcome: .rejected,
                                 reason: .badSignature, auth: "none", baseUrl: "https://x.example/\n", detail: texts.joined(separator: "\t"))
        try await store.importRows(tenants: [tenant], secrets: [], events: [event])
        let readTenant = try #require(try await store.tenant(clientKey: tenant.clientKey))
        #expect(readTenant.description == tenant.description)
        #expect(readTenant.displayUrl == nil)
        #expect(readTenant.serverVersion == "")
        let readEvent = try #require(try await store.history(HistoryQuery(clientKey: tenant.clientKey)).first)
        #expect(readEvent.detail == event.detail)
        #expect(readEvent.node == event.node)
        #expect(readEvent.baseUrl == event.baseUrl)
    }
}
