import Foundation
import ConnectCore

/// Reads the tenants of a SQL store another framework wrote (see `ForeignLocation`), strictly
/// read-only: SQLite opened read-only, PostgreSQL in read-only transactions, nothing created.
/// Install history and failures are not kept by those frameworks; `capabilities` says so.
final class ForeignStoreReader: TenantOnlyReader {
    let location: StoreLocation
    let foreign: ForeignLocation
    private let database: any SQLReading
    private let statements: any ForeignLayout
    private let deadline: StoreDeadline

    var layout: ForeignLocation.Layout { foreign.layout }

    private init(location: StoreLocation, foreign: ForeignLocation, database: any SQLReading, statements: any ForeignLayout, deadline: Duration) {
        self.location = location
        self.foreign = foreign
        self.database = database
        self.statements = statements
        self.deadline = StoreDeadline(limit: deadline)
    }

    static func open(_ foreign: ForeignLocation, location: StoreLocation, deadline: Duration = .seconds(5)) async throws(StoreError) -> ForeignStoreReader {
        let database: any SQLReading
        switch foreign.engine {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(.unreachable, "no \(foreign.layout.framework) store at \(path): check the path in the store URL")
            }
            database = try SQLiteReader(path: path, leaveNoFiles: true)
        case .postgres(let postgres):
            database = try await PostgresDatabase.connect(postgres, readOnly: true)
        case .redis:
            throw StoreError(.usage, "\(location) is a Redis store: it is read by AceRedisReader")
        }
        do throws(StoreError) {
            let columns = try await StoreDeadline(limit: deadline).run(cancelOnTimeout: true, "layout check") { () throws(StoreError) in
                try await database.columns(of: foreign.table)
            }
            guard !columns.isEmpty else {
                throw StoreError(.unreadable, "\(location) has no table \(foreign.table): is this an \(foreign.layout.framework) store? (name its table with ?table=NAME)")
            }
            let layout: any ForeignLayout = switch foreign.layout {
            case .ace: try AceLayout(table: foreign.table, columns: columns, dialect: database.dialect)
            case .acsb: try AcsbLayout(table: foreign.table, columns: columns)
            }
            return ForeignStoreReader(location: location, foreign: foreign, database: database, statements: layout, deadline: deadline)
        } catch {
            await database.close()
            throw error
        }
    }

    private func read(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow] {
        let database = self.database
        return try await deadline.run(cancelOnTimeout: true, "read") { () throws(StoreError) in
            try await database.rows(statement)
        }
    }

    func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage {
        guard let statement = statements.page(query) else { return TenantPage(rows: [], next: nil) }
        let rows = try await read(statement)
        var tenants: [TenantRow] = []
        var skipped: [String] = []
        var next: TenantQuery.Cursor?
        for row in rows {
            switch statements.tenant(row) {
            case .success(let tenant):
                tenants.append(TenantRow(tenant: tenant, recentFailures: nil))
                next = statements.cursor(after: row, tenant)
            case .failure(let problem):
                skipped.append(problem.sentence)
            }
        }
        return TenantPage(rows: tenants, next: rows.count == query.limit ? next : nil, skipped: skipped)
    }

    func tenant(clientKey: String) async throws(StoreError) -> Tenant? {
        try await tenant(statements.one(clientKey))
    }

    func tenant(oauthClientId: String) async throws(StoreError) -> Tenant? {
        guard let statement = statements.one(oauthClientId: oauthClientId) else { return nil }
        return try await tenant(statement)
    }

    private func tenant(_ statement: SQLStatement) async throws(StoreError) -> Tenant? {
        guard let row = try await read(statement).first else { return nil }
        switch statements.tenant(row) {
        case .success(let tenant): return tenant
        case .failure(let problem): throw StoreError(.unreadable, problem.sentence)
        }
    }

    func tenantCount() async throws(StoreError) -> Int {
        Int(try await read(statements.count()).first?.integer("n") ?? 0)
    }

    func close() async {
        await database.close()
    }
}
