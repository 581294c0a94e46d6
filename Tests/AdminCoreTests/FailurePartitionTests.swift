@testable import AdminCore
@testable import ConnectCore
import ConnectTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// PostgreSQL keeps failures in day partitions (`FailurePartitions`): rows land in their
/// day, retention drops whole days, and a store from before partitioning keeps its rows and
/// ids. Run against the throwaway PostgreSQL of scripts/test.sh.
@Suite struct FailurePartitionTests {
    typealias F = StoreFixtures
    static let day = FailurePartitions.dayMilliseconds

    static func start(ofDay day: Int64) -> Date { StoreTime.date(day * Self.day) }

    /// Which table each failure id is stored in.
    static func partitions(_ store: ConnectStore) async throws -> [Int64: String] {
        let rows = try await store.read(SQLStatement("SELECT id, tableoid::regclass::text AS part FROM auth_failure"))
        return Dictionary(uniqueKeysWithValues: rows.compactMap { row in row.integer("id").flatMap { id in row.text("part").map { (id, $0) } } })
    }

    static func partitionNames(_ store: ConnectStore) async throws -> [String] {
        try await store.read(FailurePartitions.list).compactMap { $0.text("name") }
    }

    @Test func failuresLandInTheirDayAndMoveThereFromTheDefault() async throws {
        let store = try await TestStoreBackend.postgres.freshStore()
        defer { Task { await store.close() } }
        let today = FailurePartitions.day(of: Date())
        #expect(try await Self.partitionNames(store) == [FailurePartitions.defaultPartition] + (today - 1...today + 2).map(FailurePartitions.name(ofDay:)),
                "opening for writing prepares yesterday through the day after tomorrow")

        let later = Self.start(ofDay: today + 10).addingTimeInterval(3600)
        try await store.record([F.failure("a", at: Date()), F.failure("b", at: later)])
        var placed = try await Self.partitions(store)
        #expect(placed.values.sorted() == [FailurePartitions.defaultPartition, FailurePartitions.name(ofDay: today)])
        let laterID = try #require(placed.first { $0.value == FailurePartitions.defaultPartition }?.key)

        try await store.preparePartitions(from: later, through: later)
        placed = try await Self.partitions(store)
        #expect(placed[laterID] == FailurePartitions.name(ofDay: today + 10), "the day's partition takes the default's rows, ids kept")
        #expect(try await store.failures(FailureQuery(limit: 10, afterID: 0)).map(\.clientKey) == ["a", "b"])
        try await store.preparePartitions(from: later, through: later)  // again: nothing to do, no error
    }

    @Test func retentionDropsWholeDaysAndDeletesOnlyOldRowsElsewhere() async throws {
        let store = try await TestStoreBackend.postgres.freshStore()
        defer { Task { await store.close() } }
        let today = FailurePartitions.day(of: Date())
        try await store.preparePartitions(from: Self.start(ofDay: today - 5), through: Date())
        // One failure an hour into each of the last six days, and two in the default partition.
        try await store.importFailures((0...5).map { F.failure("day-\($0)", at: Self.start(ofDay: today - Int64($0)).addingTimeInterval(3600)) })
        try await store.record([F.failure("ancient", at: F.t0), F.failure("future", at: Self.start(ofDay: today + 30))])

        // The cutoff falls in the middle of day -3: days -5 and -4 end before it.
        let cutoff = Self.start(ofDay: today - 3).addingTimeInterval(12 * 3600)
        let deleted = try await store.pruneFailures(olderThan: cutoff)
        #expect(deleted == 3, "two whole days and the ancient row")
        let names = try await Self.partitionNames(store)
        #expect(!names.contains(FailurePartitions.name(ofDay: today - 5)) && !names.contains(FailurePartitions.name(ofDay: today - 4)))
        #expect(names.contains(FailurePartitions.name(ofDay: today - 3)), "the day the cutoff falls in stays until it is over")
        let left = try await store.failures(FailureQuery(limit: 100, afterID: 0)).compactMap(\.clientKey)
        #expect(left == ["day-0", "day-1", "day-2", "day-3", "future"])

        // By hand (`store prune`), the cutoff is exact: day -3's row, older than it, goes too.
        #expect(try await store.pruneFailures(olderThan: cutoff, wholeDays: false) == 1)
        #expect(try await store.failures(FailureQuery(limit: 100, afterID: 0)).compactMap(\.clientKey) == ["day-0", "day-1", "day-2", "future"])
    }

    /// A long read holds a lock that dropping a partition needs: the prune waits for it only
    /// briefly (writers would queue behind the drop), leaves the day, and drops it next time.
    @Test func aDropThatWouldWaitIsLeftForTheNextPrune() async throws {
        let location = try await TestStoreBackend.postgres.freshLocation()
        let store = try await ConnectStore.open(location)
        defer { Task { await store.close() } }
        let today = FailurePartitions.day(of: Date())
        try await store.preparePartitions(from: Self.start(ofDay: today - 3), through: Date())
        try await store.importFailures([F.failure("old", at: Self.start(ofDay: today - 3))])

        guard case .postgres(let postgres) = location else { return }
        let logger = Logger(label: "lock-holder")
        let reader = try await PostgresConnection.connect(
            configuration: .init(host: postgres.host, port: postgres.port, username: postgres.username, password: postgres.password,
                                 database: postgres.database, tls: .disable), id: 9, logger: logger)
        try await reader.query("BEGIN", logger: logger)
        _ = try await reader.query("SELECT COUNT(*) FROM auth_failure", logger: logger).collect()

        let started = ContinuousClock.now
        #expect(try await store.pruneFailures(olderThan: Self.start(ofDay: today - 1)) == 0)
        // A generous bound: the drop gives up after 100 ms; without lock_timeout it would wait
        // for PostgreSQL's 10 s statement timeout (with every writer queued behind it).
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try await Self.partitionNames(store).contains(FailurePartitions.name(ofDay: today - 3)))
        try await store.record([F.failure("written while the prune waited", at: Date())])

        try await reader.query("COMMIT", logger: logger)
        try await reader.close()
        #expect(try await store.pruneFailures(olderThan: Self.start(ofDay: today - 1)) == 1)
        #expect(try await !Self.partitionNames(store).contains(FailurePartitions.name(ofDay: today - 3)))
    }

    /// A version-4 store (one unpartitioned table) is partitioned when a writer opens it: its
    /// rows stay, with their ids, in `auth_failure_before_partitions`; new ids continue after
    /// every id ever handed out; retention deletes its old rows in batches.
    @Test func aStoreFromBeforePartitioningKeepsItsRowsAndIds() async throws {
        let location = try await TestStoreBackend.postgres.freshLocation()
        guard case .postgres(let postgres) = location else { return }
        let raw = try await PostgresDatabase.connect(postgres)
        var statements: [SQLStatement] = [SQLStatement("CREATE TABLE connect_admin_schema (version INTEGER NOT NULL)")]
        for version in 1...4 {
            statements += Schema.migration(to: version, dialect: .postgres).map { SQLStatement($0) }
            statements.append(SQLStatement("INSERT INTO connect_admin_schema (version) VALUES (\(version))"))
        }
        try await raw.transaction(statements)
        try await raw.transaction(StoreStatements.multiRowInsert(StoreStatements.failureRows([
            F.failure("old-1", at: F.t0), F.failure("old-2", at: Date().addingTimeInterval(-60)), F.failure("deleted", at: Date()),
        ])))
        try await raw.transaction([SQLStatement("DELETE FROM auth_failure WHERE client_key = 'deleted'")])
        let before = try await raw.rows(SQLStatement("SELECT id, client_key FROM auth_failure ORDER BY id"))
        await raw.close()

        let store = try await ConnectStore.open(location)
        defer { Task { await store.close() } }
        let kind = try await store.read(SQLStatement("SELECT relkind::text AS kind FROM pg_class WHERE oid = 'auth_failure'::regclass")).first?.text("kind")
        #expect(kind == "p")
        let kept = try await store.failures(FailureQuery(limit: 10, afterID: 0))
        #expect(kept.map(\.id) == before.compactMap { $0.integer("id") })
        #expect(Set(try await Self.partitions(store).values) == [FailurePartitions.beforePartitions])

        try await store.record([F.failure("new", at: Date())])
        let newest = try #require(try await store.failures(FailureQuery(limit: 1)).first)
        #expect(newest.clientKey == "new" && newest.id == 4, "ids go on after the deleted row's 3")

        #expect(try await store.pruneFailures(olderThan: Date().addingTimeInterval(-3600)) == 1)
        #expect(try await store.failures(FailureQuery(limit: 10, afterID: 0)).compactMap(\.clientKey) == ["old-2", "new"])
    }
}
