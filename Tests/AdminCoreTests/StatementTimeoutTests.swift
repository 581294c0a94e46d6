@testable import AdminCore
@testable import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// PostgreSQL cancels a statement after 10 s; a read an operator asked for and waits on
/// (`store info`'s exact counts over 10M+ rows) runs with the caller's deadline instead, in a
/// transaction of its own so that the pooled connection keeps its usual timeout. Against the
/// throwaway PostgreSQL of scripts/test.sh.
@Suite struct StatementTimeoutTests {
    static func timeout(_ database: any SQLDatabase) async throws -> String? {
        try await database.rows(SQLStatement("SELECT current_setting('statement_timeout') AS t")).first?.text("t")
    }

    @Test func aLongReadRunsPastTheUsualTimeoutAndAShortOneIsCutOff() async throws {
        let store = try await TestStoreBackend.postgres.freshStore()
        defer { Task { await store.close() } }
        let database = store.database
        #expect(try await Self.timeout(database) == "\(PostgresDatabase.statementTimeoutSeconds)s")

        // A timeout of its own applies to the statement: shorter here, so it is cut off...
        await #expect(throws: StoreError.self) {
            _ = try await database.rows(SQLStatement("SELECT pg_sleep(2)"), statementTimeout: .milliseconds(200))
        }
        // ...longer here, so it runs past the usual 10 s.
        let slept = try await database.rows(SQLStatement("SELECT 1 AS done FROM pg_sleep(10.5)"), statementTimeout: .seconds(30))
        #expect(slept.first?.integer("done") == 1)
        // The connection goes back to the pool with its usual timeout.
        for _ in 0..<3 {
            #expect(try await Self.timeout(database) == "\(PostgresDatabase.statementTimeoutSeconds)s")
        }
    }
}
