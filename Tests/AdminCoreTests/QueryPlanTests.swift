@testable import AdminCore
@testable import ConnectCore
import Foundation
import ConnectTestSupport
import Testing

/// Every read the console makes is served from an index: SQLite's plan for each statement
/// names the index and never sorts in a temporary B-tree. (The PostgreSQL plans on the
/// generated 100k/1M/200k store are recorded in BENCHMARKS.md.)
@Suite struct QueryPlanTests {
    static func plan(_ store: ConnectStore, _ statement: SQLStatement) async throws -> String {
        let rows = try await store.database.rows(SQLStatement("EXPLAIN QUERY PLAN " + statement.sql, statement.bindings))
        return rows.compactMap { $0.text("detail") }.joined(separator: " | ")
    }

    @Test func readModelsUseIndexes() async throws {
        let store = try await TestStoreBackend.sqlite.freshStore()
        defer { Task { await store.close() } }
        // ANALYZE-free plans: SQLite picks indexes from the schema alone.
        let cursor = TenantQuery.Cursor(sortValue: .text("x"), clientKey: "k")
        let expectations: [(String, SQLStatement, String)] = [
            ("tenants by clientKey", StoreStatements.tenantPage(TenantQuery(), dialect: .sqlite), "sqlite_autoindex_tenant_1"),
            ("tenants by clientKey, next page", StoreStatements.tenantPage(TenantQuery(after: cursor), dialect: .sqlite), "sqlite_autoindex_tenant_1"),
            ("tenants by baseUrl", StoreStatements.tenantPage(TenantQuery(sort: .baseUrl), dialect: .sqlite), "tenant_by_base_url"),
            ("tenants by productType desc", StoreStatements.tenantPage(TenantQuery(sort: .productType, descending: true), dialect: .sqlite), "tenant_by_product_type"),
            ("tenants by state, next page", StoreStatements.tenantPage(TenantQuery(sort: .state, after: cursor), dialect: .sqlite), "tenant_by_state"),
            ("tenants by installedAt", StoreStatements.tenantPage(TenantQuery(sort: .installedAt), dialect: .sqlite), "tenant_by_installed_at"),
            ("tenants by updatedAt desc", StoreStatements.tenantPage(TenantQuery(sort: .updatedAt, descending: true), dialect: .sqlite), "tenant_by_updated_at"),
            // Unfiltered newest-first pages walk the table in rowid (= id) order and stop at LIMIT.
            ("history", StoreStatements.historyPage(HistoryQuery()), "SCAN install_event"),
            ("history of a tenant", StoreStatements.historyPage(HistoryQuery(clientKey: "k", beforeID: 10)), "install_event_by_tenant"),
            ("failures", StoreStatements.failurePage(FailureQuery()), "SCAN auth_failure"),
            ("failures of a tenant", StoreStatements.failurePage(FailureQuery(clientKey: "k")), "auth_failure_by_tenant"),
            ("failures by reason", StoreStatements.failurePage(FailureQuery(reason: .expired, beforeID: 5)), "auth_failure_by_reason"),
            ("tail", StoreStatements.failurePage(.tail(after: 42)), "INTEGER PRIMARY KEY"),
        ]
        for (name, statement, index) in expectations {
            let plan = try await Self.plan(store, statement)
            #expect(plan.contains(index), "\(name): \(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(name) sorts outside an index: \(plan)")
        }
        // The substring filter: the trigram index finds the rows (then only they are sorted).
        let filtered = try await Self.plan(store, StoreStatements.tenantPage(TenantQuery(filter: "acme", sort: .updatedAt), dialect: .sqlite, useSearchIndex: true))
        #expect(filtered.contains("VIRTUAL TABLE INDEX 0:M"), "the MATCH constraint reaches FTS5: \(filtered)")
        #expect(!filtered.contains("SCAN tenant "), "\(filtered)")
        let counts = try await Self.plan(store, SQLStatement(
            "SELECT client_key, SUM(count) AS n FROM auth_failure WHERE client_key IN (?, ?) AND at >= ? GROUP BY client_key",
            [.text("a"), .text("b"), .integer(0)]))
        #expect(counts.contains("auth_failure_by_tenant_time"), "\(counts)")
    }
}
