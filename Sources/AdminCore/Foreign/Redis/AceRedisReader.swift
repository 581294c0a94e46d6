import Foundation
import NIOConcurrencyHelpers
import ConnectCore
import RedisProtocol

/// atlassian-connect-express's Redis adapter (`lib/store/redis.js`): each tenant's
/// `clientInfo` JSON at the key `<clientKey>:clientInfo`. Tenants are found with `SCAN`
/// (never `KEYS`, which blocks a live server) and listed in clientKey order; only AUTH,
/// SELECT, PING, SCAN, GET and MGET are ever sent.
final class AceRedisReader: TenantOnlyReader {
    let location: StoreLocation
    let layout = ForeignLocation.Layout.ace
    private let connection: RedisConnection
    /// The last SCAN's keys, reused for a few seconds: the console's count and page refreshes
    /// come every 1.5–2 s and each would otherwise walk the whole keyspace.
    private let scanned = NIOLockedValueBox<(keys: [String], at: ContinuousClock.Instant)?>(nil)
    static let scanReuse: Duration = .seconds(5)
    static let suffix = ":clientInfo"

    private init(location: StoreLocation, connection: RedisConnection) {
        self.location = location
        self.connection = connection
    }

    static func open(_ redis: ForeignLocation.RedisLocation, location: StoreLocation) async throws(StoreError) -> AceRedisReader {
        AceRedisReader(location: location, connection: try await RedisConnection.connect(redis))
    }

    /// How far one SCAN of the keyspace goes: 10 000 rounds of `COUNT 1000` (ten million keys
    /// looked at) or two minutes, whichever comes first.
    static let maxScanRounds = 10_000
    static let maxScanTime: Duration = .seconds(120)

    /// Every tenant's clientKey in byte order (one SCAN of the keyspace, reused briefly).
    private func clientKeys() async throws(StoreError) -> [String] {
        if let last = scanned.withLockedValue({ $0 }), ContinuousClock.now - last.at < Self.scanReuse { return last.keys }
        var cursor = "0"
        // By bytes: two clientKeys that are canonically equal strings are still two tenants.
        var keys: Set<BytewiseKey> = []
        // A Redis (or something speaking RESP) whose cursor never comes back to 0 would be read
        // for ever, the key set growing without bound: the scan stops at a limit and says so.
        var rounds = 0
        let started = ContinuousClock.now
        repeat {
            rounds += 1
            if rounds > Self.maxScanRounds || ContinuousClock.now - started > Self.maxScanTime {
                throw StoreError(.unreadable, "Redis at \(connection.target) kept answering SCAN with more after \(rounds - 1) rounds and \(keys.count) tenants "
                                 + "in \(ContinuousClock.now - started): stopped there (a real keyspace ends; check that this is the app's Redis)")
            }
            let reply = try await connection.query(["SCAN", cursor, "MATCH", "*" + Self.suffix, "COUNT", "1000"], what: "SCAN")
            guard case .array(let parts?) = reply, parts.count == 2, let next = parts[0].text, case .array(let found?) = parts[1] else {
                throw StoreError(.unreadable, "Redis at \(connection.target) answered SCAN with something that is not a cursor and keys")
            }
            for key in found.compactMap(\.text) where key.hasSuffix(Self.suffix) && key.count > Self.suffix.count {
                keys.insert(BytewiseKey(String(key.dropLast(Self.suffix.count))))
            }
            cursor = next
        } while cursor != "0"
        let sorted = keys.map(\.text).sorted(by: BytewiseKey.precedes)
        scanned.withLockedValue { $0 = (sorted, ContinuousClock.now) }
        return sorted
    }

    /// The tenants of `keys`, in order; keys whose value is missing or unreadable are reported.
    private func load(_ keys: [String]) async throws(StoreError) -> (tenants: [Tenant], skipped: [String]) {
        guard !keys.isEmpty else { return ([], []) }
        let reply = try await connection.query(["MGET"] + keys.map { $0 + Self.suffix }, what: "MGET")
        guard case .array(let values?) = reply, values.count == keys.count else {
            throw StoreError(.unreadable, "Redis at \(connection.target) answered MGET with the wrong number of values")
        }
        var tenants: [Tenant] = []
        var skipped: [String] = []
        for (key, value) in zip(keys, values) {
            guard let json = value.text else { continue }  // deleted between SCAN and MGET
            switch AceClientInfo.tenant(clientKey: key, json: json, source: "key \(Sanitized.quote(key + Self.suffix))") {
            case .success(let tenant): tenants.append(tenant)
            case .failure(let problem): skipped.append(problem.sentence)
            }
        }
        return (tenants, skipped)
    }

    func tenants(_ query: TenantQuery) async throws(StoreError) -> TenantPage {
        if let state = query.state, state != .installed { return TenantPage(rows: [], next: nil) }
        var keys = try await clientKeys()
        if let after = query.after?.clientKey { keys = Array(keys.drop { !BytewiseKey.precedes(after, $0) }) }
        var rows: [TenantRow] = []
        var skipped: [String] = []
        var offset = 0
        // Without a filter one MGET of a page; with one, pages of values until enough match.
        while rows.count < query.limit && offset < keys.count {
            let batch = Array(keys[offset..<min(keys.count, offset + (query.filter == nil ? query.limit : max(query.limit, 500)))])
            offset += batch.count
            let loaded = try await load(batch)
            skipped += loaded.skipped
            for tenant in loaded.tenants where query.filter.map({ AceClientInfo.matches(tenant, filter: $0) }) ?? true {
                guard rows.count < query.limit else { break }
                rows.append(TenantRow(tenant: tenant, recentFailures: nil))
            }
        }
        let next = rows.count == query.limit ? rows.last.map { TenantQuery.Cursor(sortValue: .text($0.tenant.clientKey), clientKey: $0.tenant.clientKey) } : nil
        return TenantPage(rows: rows, next: next, skipped: skipped)
    }

    func tenant(clientKey: String) async throws(StoreError) -> Tenant? {
        guard let json = try await connection.query(["GET", clientKey + Self.suffix], what: "GET").text else { return nil }
        switch AceClientInfo.tenant(clientKey: clientKey, json: json, source: "key \(Sanitized.quote(clientKey + Self.suffix))") {
        case .success(let tenant): return tenant
        case .failure(let problem): throw StoreError(.unreadable, problem.sentence)
        }
    }

    func tenantCount() async throws(StoreError) -> Int {
        try await clientKeys().count
    }

    func close() async {
        await connection.close()
    }
}
