import Foundation

/// atlassian-connect-express's Redis adapter (`lib/store/redis.js`): each tenant's
/// `clientInfo` JSON at the key `<clientKey>:clientInfo`. Tenants are found with `SCAN`
/// (never `KEYS`, which blocks a live server) and listed in clientKey order; only AUTH,
/// SELECT, PING, SCAN, GET and MGET are ever sent.
final class AceRedisReader: StoreReader {
    let location: StoreLocation
    private let connection: RedisConnection
    static let suffix = ":clientInfo"

    var capabilities: StoreCapabilities {
        StoreCapabilities(
            history: false, failures: false, sorting: false,
            missing: "atlassian-connect-express keeps no install history or authentication failures: run `connect-server --upstream` in front of the app to record them")
    }

    private init(location: StoreLocation, connection: RedisConnection) {
        self.location = location
        self.connection = connection
    }

    static func open(_ redis: ForeignLocation.RedisLocation, location: StoreLocation) async throws(StoreError) -> AceRedisReader {
        AceRedisReader(location: location, connection: try await RedisConnection.connect(redis))
    }

    /// Every tenant's clientKey, sorted (one SCAN of the keyspace).
    private func clientKeys() async throws(StoreError) -> [String] {
        var cursor = "0"
        var keys: Set<String> = []
        repeat {
            let reply = try await connection.query(["SCAN", cursor, "MATCH", "*" + Self.suffix, "COUNT", "1000"], what: "SCAN")
            guard case .array(let parts?) = reply, parts.count == 2, let next = parts[0].text, case .array(let found?) = parts[1] else {
                throw StoreError(.unreadable, "Redis at \(connection.target) answered SCAN with something that is not a cursor and keys")
            }
            for key in found.compactMap(\.text) where key.hasSuffix(Self.suffix) && key.count > Self.suffix.count {
                keys.insert(String(key.dropLast(Self.suffix.count)))
            }
            cursor = next
        } while cursor != "0"
        return keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
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
        if let after = query.after?.clientKey {
            keys = keys.filter { Array($0.utf8).lexicographicallyPrecedes(Array(after.utf8)) == false && $0 != after }
        }
        var rows: [TenantRow] = []
        var skipped: [String] = []
        var offset = 0
        // Without a filter one MGET of a page; with one, pages of values until enough match.
        while rows.count < query.limit && offset < keys.count {
            let batch = Array(keys[offset..<min(keys.count, offset + max(query.limit, 500))])
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

    func secretHistory(clientKey: String) async throws(StoreError) -> [SecretHistoryEntry] {
        guard let tenant = try await tenant(clientKey: clientKey) else { return [] }
        return [SecretHistoryEntry(clientKey: clientKey, secret: tenant.sharedSecret, currentFrom: Date(timeIntervalSince1970: 0), currentUntil: nil)]
    }

    func close() async {
        await connection.close()
    }
}
