import Foundation
import ConnectCore

/// Sealing a store's shared secrets in place (`store seal`) and re-sealing them under a new
/// key (`store rekey`).
///
/// Batched and resumable: each batch is one short transaction, so a server writing the same
/// store waits milliseconds at most, and a run stopped half-way (even by SIGKILL) leaves every
/// value either as it was or sealed; running it again finishes the rest. Each update is
/// guarded by the value it replaces, so a secret a server rotated meanwhile is never
/// overwritten. Fingerprints are untouched, so a server's lifecycle guards never conflict.
extension ConnectStore {
    /// Which values a run re-seals.
    public enum ResealTarget: Sendable {
        /// Plain values only (`store seal`).
        case plain
        /// Every value not already sealed under the ring's first key (`store rekey`).
        case notUnderSealingKey
    }

    public struct ResealReport: Sendable {
        public var resealed = 0
        /// Values that could not be opened (tampered, or under a key not in the ring): left as they are.
        public var unreadable: [SecretUnavailable] = []
        /// What may remain of the replaced values on disk, when something may.
        public var scrubNote: String?
        public var after = SealingSummary()
    }

    /// The two tables that hold secrets, with the columns that identify a row.
    fileprivate struct SecretTable {
        var name: String
        var fingerprintColumn: String
        /// Keyset order and the row's identity.
        var keyColumns: [String]
    }

    fileprivate static let secretTables = [
        SecretTable(name: "tenant", fingerprintColumn: "secret_fingerprint", keyColumns: ["client_key"]),
        SecretTable(name: "tenant_secret", fingerprintColumn: "fingerprint", keyColumns: ["client_key", "fingerprint"]),
    ]

    /// `UPDATE … FROM (VALUES (key…, old, new), …)`: the columns of a VALUES list are named
    /// `column1`, `column2`, … on both SQLite and PostgreSQL.
    private static func resealStatement(_ table: SecretTable, rows: Int, values: [SQLValue]) -> SQLStatement {
        let width = table.keyColumns.count + 2
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        let matches = table.keyColumns.enumerated().map { "\(table.name).\($0.element) = v.column\($0.offset + 1)" }
        return SQLStatement(
            "UPDATE \(table.name) SET shared_secret = v.column\(width) "
                + "FROM (VALUES \(Array(repeating: tuple, count: rows).joined(separator: ", "))) AS v "
                + "WHERE \(matches.joined(separator: " AND ")) AND \(table.name).shared_secret = v.column\(width - 1)",
            values)
    }

    /// Seals the `target` values with the ring's first key, `batchSize` rows per transaction;
    /// `progress` gets the running count after each batch.
    public func reseal(_ target: ResealTarget, batchSize: Int = 500,
                       progress: (Int) -> Void = { _ in }) async throws(StoreError) -> ResealReport {
        guard let key = keyRing.sealingKey else {
            throw StoreError(.usage, "sealing needs a key: pass --secret-key-file (make one with `connect-admin store keygen FILE`)")
        }
        // Re-keying opens every value: refuse before writing anything if some key is missing.
        if target == .notUnderSealingKey { try requireKeys(try await sealingSummary()) }
        // Sealing is what turns plain values into sealed ones, whatever --require-sealed says.
        var ring = keyRing
        ring.requireSealed = false
        let selector = target == .plain ? "shared_secret NOT LIKE 'v1:%'" : "shared_secret NOT LIKE 'v1:\(key.id):%'"
        var report = ResealReport()
        for table in Self.secretTables {
            var after: [SQLValue]?
            while true {
                var conditions = [selector]
                if let after {
                    let tuple = table.keyColumns.count == 1 ? table.keyColumns[0] : "(" + table.keyColumns.joined(separator: ", ") + ")"
                    let marks = after.count == 1 ? "?" : "(" + Array(repeating: "?", count: after.count).joined(separator: ", ") + ")"
                    conditions.append("\(tuple) > \(marks)")
                }
                let rows = try await read(SQLStatement("""
                    SELECT \(table.keyColumns.joined(separator: ", ")), \(table.fingerprintColumn) AS stored_fingerprint, shared_secret \
                    FROM \(table.name) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(table.keyColumns.joined(separator: ", ")) LIMIT ?
                    """, (after ?? []) + [.integer(Int64(batchSize))]))
                guard let last = rows.last else { break }
                // One UPDATE per batch, each row guarded by the value it replaces.
                var values: [SQLValue] = []
                var count = 0
                for row in rows {
                    guard let clientKey = row.text("client_key"), let text = row.text("shared_secret"),
                          let fingerprint = row.text("stored_fingerprint") else { throw StoreRows.damaged(table.name, row) }
                    switch ring.open(text, clientKey: clientKey, fingerprint: fingerprint) {
                    case .unavailable(let reason):
                        report.unreadable.append(reason)
                    case .open(let secret):
                        values += table.keyColumns.map { SQLValue(row.text($0)) }
                            + [.text(text), .text(SecretKeyRing.seal(secret, clientKey: clientKey, with: key))]
                        count += 1
                    }
                }
                if count > 0 { try await commit([Self.resealStatement(table, rows: count, values: values)]) }
                report.resealed += count
                progress(report.resealed)
                after = table.keyColumns.map { SQLValue(last.text($0)) }
                if rows.count < batchSize { break }
            }
        }
        report.scrubNote = try await database.scrub(tables: Self.secretTables.map(\.name))
        report.after = try await sealingSummary()
        return report
    }
}

extension ConnectStoreReading {
    /// How the store's secrets are kept now.
    public func sealingSummary() async throws(StoreError) -> SealingSummary {
        var summary = SealingSummary()
        for table in ConnectStore.secretTables {
            let rows = try await read(SQLStatement("""
                SELECT CASE WHEN shared_secret LIKE 'v1:%' THEN substr(shared_secret, 4, 8) ELSE '' END AS key_id, COUNT(*) AS n \
                FROM \(table.name) GROUP BY 1
                """))
            for row in rows {
                let count = Int(row.integer("n") ?? 0)
                guard let keyID = row.text("key_id"), !keyID.isEmpty else { summary.plain += count; continue }
                summary.sealed[keyID, default: 0] += count
            }
        }
        return summary
    }

    /// Checks that this process can open every secret in the store, and with `requireSealed`
    /// that none is plain: a server must refuse to start, not fail request by request.
    public func checkKeyRing() async throws(StoreError) {
        if keyRing.requireSealed && keyRing.isEmpty {
            throw StoreError(.usage, "--require-sealed needs the key that seals secrets: pass --secret-key-file")
        }
        let summary = try await sealingSummary()
        try requireKeys(summary)
        if keyRing.requireSealed && summary.plain > 0 {
            throw StoreError(.usage, "\(location) holds \(summary.plain) plain secrets and --require-sealed is set: run `connect-admin store seal` on it first")
        }
    }

    /// Fails naming every key id in use that the ring does not hold.
    fileprivate func requireKeys(_ summary: SealingSummary) throws(StoreError) {
        let missing = summary.missingKeyIDs(in: keyRing)
        guard missing.isEmpty else {
            throw StoreError(.usage, "\(location) holds secrets sealed with key id \(missing.joined(separator: ", ")), which is not in the key ring: pass that key's file with --secret-key-file")
        }
    }
}
