import Foundation
import ConnectCore

/// PostgreSQL keeps `auth_failure` in one partition per UTC day, so that retention drops a
/// day's table instead of deleting its rows one by one: a write never waits behind a delete
/// of millions of rows, and the space returns to the system at once. Two more partitions
/// catch what has no day of its own: `auth_failure_default` (a row whose day has no
/// partition yet) and `auth_failure_before_partitions` (the rows of a store made before
/// schema version 5). SQLite has no partitions; it prunes in small batches.
///
/// Retention on PostgreSQL therefore works in whole days: a day is dropped once all of it is
/// older than the cutoff, so a row is kept up to a day longer than the retention asks.
enum FailurePartitions {
    static let parent = "auth_failure"
    static let defaultPartition = "auth_failure_default"
    static let beforePartitions = "auth_failure_before_partitions"
    static let dayPrefix = "auth_failure_p"
    static let dayMilliseconds: Int64 = 86_400_000
    /// Serialises partition upkeep between nodes (the store's other advisory locks are 727272-3).
    static let lock = SQLStatement("SELECT pg_advisory_xact_lock(727274)")

    /// The UTC day (days since 1970) a time falls in.
    static func day(of date: Date) -> Int64 {
        let milliseconds = StoreTime.milliseconds(date)
        return milliseconds >= 0 ? milliseconds / dayMilliseconds : (milliseconds - dayMilliseconds + 1) / dayMilliseconds
    }

    /// `auth_failure_p20261203` for the day that starts at 2026-12-03T00:00Z.
    static func name(ofDay day: Int64) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(day * 86_400))
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return dayPrefix + String(format: "%04d%02d%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// The day a partition's name stands for, or `nil` for the default and older partitions.
    static func day(ofName name: String) -> Int64? {
        guard name.hasPrefix(dayPrefix) else { return nil }
        let digits = name.dropFirst(dayPrefix.count)
        guard digits.count == 8, digits.allSatisfy(\.isASCII), let number = Int(digits) else { return nil }
        var parts = DateComponents()
        parts.year = number / 10_000
        parts.month = number / 100 % 100
        parts.day = number % 100
        parts.timeZone = TimeZone(identifier: "UTC")
        guard let date = Calendar(identifier: .gregorian).date(from: parts) else { return nil }
        return day(of: date)
    }

    /// Creates the day's partition unless it exists, moving the rows the default partition
    /// holds for that day into it first (PostgreSQL refuses to attach a range the default
    /// partition has rows in). A day already covered by the partition of rows from before
    /// partitioning is left to it (`invalid_object_definition`: the ranges would overlap).
    static func create(day: Int64) -> SQLStatement {
        let name = name(ofDay: day)
        let from = day * dayMilliseconds, to = from + dayMilliseconds
        return SQLStatement("""
            DO $$ BEGIN
              IF to_regclass('\(name)') IS NULL THEN
                CREATE TABLE \(name) (LIKE \(parent) INCLUDING DEFAULTS);
                INSERT INTO \(name) SELECT * FROM \(defaultPartition) WHERE at >= \(from) AND at < \(to);
                DELETE FROM \(defaultPartition) WHERE at >= \(from) AND at < \(to);
                ALTER TABLE \(parent) ATTACH PARTITION \(name) FOR VALUES FROM (\(from)) TO (\(to));
              END IF;
            EXCEPTION WHEN invalid_object_definition THEN NULL;
            END $$
            """)
    }

    /// The partitions of `auth_failure`, by name.
    static let list = SQLStatement("""
        SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass('\(parent)') ORDER BY c.relname
        """)

    /// Schema version 5 on PostgreSQL: `auth_failure` becomes a table partitioned by `at`.
    /// An empty table is simply replaced. A table with rows keeps them, unmoved, as the
    /// partition `auth_failure_before_partitions` for every time before the end of the day of
    /// its newest row (or of today); ids go on from where they were. Attaching it builds its
    /// primary key again, as (id, at), once.
    static func migration(columns: String) -> String {
        let indexes = [("by_tenant", "client_key, id"), ("by_reason", "reason, id"), ("by_tenant_time", "client_key, at"), ("by_time", "at")]
        return """
            DO $$
            DECLARE
              next_id BIGINT;
              bound BIGINT;
              had_rows BOOLEAN;
            BEGIN
              IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('\(parent)')) = 'p' THEN
                RETURN;
              END IF;
              next_id := nextval(pg_get_serial_sequence('\(parent)', 'id'));
              had_rows := EXISTS (SELECT 1 FROM \(parent));
              bound := (floor(GREATEST(extract(epoch FROM now()) * 1000, COALESCE((SELECT max(at) FROM \(parent)), 0)) / \(dayMilliseconds)) + 1)::bigint * \(dayMilliseconds);
              IF had_rows THEN
                ALTER TABLE \(parent) RENAME TO \(beforePartitions);
                ALTER TABLE \(beforePartitions) DROP CONSTRAINT \(parent)_pkey;
                \(indexes.map { "ALTER INDEX \(parent)_\($0.0) RENAME TO \(beforePartitions)_\($0.0);" }.joined(separator: "\n        "))
                ALTER TABLE \(beforePartitions) ALTER COLUMN id DROP IDENTITY;
              ELSE
                DROP TABLE \(parent);
              END IF;
              CREATE SEQUENCE \(parent)_row_id;
              PERFORM setval('\(parent)_row_id', next_id, false);
              CREATE TABLE \(parent) (
                id BIGINT NOT NULL DEFAULT nextval('\(parent)_row_id'),
                \(columns),
                PRIMARY KEY (id, at)
              ) PARTITION BY RANGE (at);
              ALTER SEQUENCE \(parent)_row_id OWNED BY \(parent).id;
              \(indexes.map { "CREATE INDEX \(parent)_\($0.0) ON \(parent) (\($0.1));" }.joined(separator: "\n      "))
              CREATE TABLE \(defaultPartition) PARTITION OF \(parent) DEFAULT;
              IF had_rows THEN
                EXECUTE format('ALTER TABLE \(parent) ATTACH PARTITION \(beforePartitions) FOR VALUES FROM (MINVALUE) TO (%s)', bound);
              END IF;
            END $$
            """
    }
}
