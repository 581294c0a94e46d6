import AdminCore
import ConnectCore
import Foundation

/// Runs the console's store requests off the UI loop. Opens the store read-only on first
/// use and again after a failure, so a store that goes away and comes back is picked up.
actor ConsoleDataSource {
    let location: StoreLocation
    let keyRing: SecretKeyRing
    private var store: (any StoreReader)?
    private var opening: Task<any StoreReader, any Error>?
    /// Watches the open store for new failures and calls `failuresChanged` (the live tail's
    /// wake-up); polling stays as the fallback when there is no watch.
    private var watch: Task<Void, Never>?
    private let failuresChanged: @Sendable () -> Void
    private let inspector = TokenInspector(verifier: ConnectTokenVerifier(minimumSecretBytes: 1))
    /// Failures per minute already counted: closed minutes do not change, so each refresh
    /// only recounts the last two instead of scanning 30 minutes of a busy table.
    private var minuteCounts: [Int64: Int] = [:]
    /// The last tenant count, and when it may be taken again: counting a million tenants
    /// takes PostgreSQL ~170 ms of its cores, so a count is redone at most every
    /// `countReuse` times as long as it took (a small store's, every time the header asks).
    private var tenantCount: (value: Int, next: ContinuousClock.Instant)?
    private let countReuse: Int
    /// The first screen's rows go before the header's counts, which on a big store compete
    /// with them for the database's cores: the first header read waits until a tenants page
    /// has been answered, or `tenantsWait` has passed.
    private var tenantsAnswered = false
    private var waitingForTenants: [CheckedContinuation<Void, Never>] = []
    private let tenantsWait: Duration
    /// Ends the wait when no tenants page comes: one for all the header reads that wait.
    private var tenantsDeadline: Task<Void, Never>?

    init(location: StoreLocation, keyRing: SecretKeyRing, countReuse: Int = 100, tenantsWait: Duration = .seconds(1),
         failuresChanged: @escaping @Sendable () -> Void = {}) {
        self.location = location
        self.keyRing = keyRing
        self.countReuse = countReuse
        self.tenantsWait = tenantsWait
        self.failuresChanged = failuresChanged
    }

    /// Header reads waiting for the first tenants page (for tests).
    var headerReadsWaiting: Int { waitingForTenants.count }

    func close() async {
        watch?.cancel()
        watch = nil
        await store?.close()
        store = nil
        tenantCount = nil
    }

    /// One opening at a time: the first screen's rows and the header ask at once, and two
    /// openings made two connection pools, one of them never closed, and two watches.
    private func open() async throws(StoreError) -> any StoreReader {
        if let store { return store }
        let task: Task<any StoreReader, any Error>
        if let opening {
            task = opening
        } else {
            let location = location, keyRing = keyRing
            task = Task { try await StoreReaders.open(location, keyRing: keyRing) }
            opening = task
        }
        let opened: any StoreReader
        do {
            opened = try await task.value
        } catch {
            opening = nil
            throw error as? StoreError ?? StoreError(.failed, "cannot open the store: \(error)")
        }
        opening = nil
        if let store { return store }
        store = opened
        if let connectStore = opened as? any ConnectStoreReading {
            let signals = connectStore.failureSignals()
            let failuresChanged = failuresChanged
            watch = Task.detached {
                for await _ in signals { failuresChanged() }
            }
        }
        return opened
    }

    func perform(_ query: Query, now: Date) async -> Answer {
        let answer = await answer(query, now: now)
        if case .tenants = query { firstTenantsAnswered() }
        return answer
    }

    private func answer(_ query: Query, now: Date) async -> Answer {
        do {
            return try await run(query, now: now)
        } catch {
            // Drop the connection: the next request reconnects.
            await close()
            return .failed(error.message)
        }
    }

    /// One query on any store. Tenants and the lab read through `StoreReader`; install history
    /// and failures are only in our own store, and another framework's answers with the
    /// sentence saying it keeps none.
    private func run(_ query: Query, now: Date) async throws(StoreError) -> Answer {
        let reader = try await open()
        let store = reader as? any ConnectStoreReading
        switch query {
        case .header:
            await tenantsFirst()
            let count = try await countTenants(reader)
            guard let store else {
                return .header(tenantCount: count, rate: FailureRate(), newestFailureID: nil, capabilities: reader.capabilities)
            }
            let rate = FailureRate(perMinute: try await perMinute(store, now: now),
                                   lastSixtySeconds: try await store.failureCount(since: now.addingTimeInterval(-60)))
            return .header(tenantCount: count, rate: rate, newestFailureID: try await store.lastFailureID(),
                           capabilities: store.capabilities)
        case .tenants(let query, let append):
            var query = query
            query.now = now
            return .tenants(try await reader.tenants(query), append: append)
        case .tenantDetail(let key):
            let tenant = try await reader.tenant(clientKey: key)
            return .tenantDetail(TenantDetail(clientKey: key, tenant: tenant, history: try await store?.tenantHistory(clientKey: key, limit: 50) ?? [],
                                              failures: try await store?.failures(FailureQuery(clientKey: key, limit: 50)) ?? [],
                                              secrets: try await reader.secretHistory(clientKey: key)))
        case .history(let query):
            guard let store else { return .unavailable(reader.capabilities.missing) }
            return .history(try await store.history(query))
        case .failures(let query):
            guard let store else { return .unavailable(reader.capabilities.missing) }
            // The cursor first: a row written between the two reads is then in the tail, not lost.
            let newest = try await store.lastFailureID()
            var bounded = query
            bounded.beforeID = newest + 1
            return .failures(try await store.failures(bounded), newestID: newest)
        case .tail(let after):
            guard let store else { return .unavailable(reader.capabilities.missing) }
            return .tail(try await store.failures(.tail(after: after, limit: 1000)))
        case .labVerify(let token, let method, let url, let tenantKey):
            // Exactly the server's check: the same inspector as `jwt verify --tenant`.
            let question = TokenInspector.Question(token: token, clientKey: tenantKey.isEmpty ? nil : tenantKey,
                                                   method: method, url: url.isEmpty ? nil : url)
            return .labVerified(try await inspector.explain(question, store: reader, now: Int64(now.timeIntervalSince1970)))
        case .labSign(let tenantKey, let method, let url, let kind, let ttl, let accountID):
            guard let tenant = try await reader.tenant(clientKey: tenantKey) else {
                return .failed("no tenant \(Sanitized.quote(tenantKey)) in the store")
            }
            return TokenLab.sign(tenant: tenant, method: method, url: url, kind: kind, ttl: ttl, accountID: accountID,
                                 now: Int64(now.timeIntervalSince1970))
        }
    }

    private func countTenants(_ reader: any StoreReader) async throws(StoreError) -> Int {
        let started = ContinuousClock.now
        if let tenantCount, started < tenantCount.next { return tenantCount.value }
        let value = try await reader.tenantCount()
        let finished = ContinuousClock.now
        tenantCount = (value, finished + (finished - started) * countReuse)
        return value
    }

    private func tenantsFirst() async {
        guard !tenantsAnswered else { return }
        if tenantsDeadline == nil {
            let wait = tenantsWait
            tenantsDeadline = Task {
                try? await Task.sleep(for: wait)
                self.firstTenantsAnswered()
            }
        }
        await withCheckedContinuation { waitingForTenants.append($0) }
    }

    private func firstTenantsAnswered() {
        tenantsAnswered = true
        tenantsDeadline?.cancel()
        tenantsDeadline = nil
        let waiting = waitingForTenants
        waitingForTenants = []
        for continuation in waiting { continuation.resume() }
    }

    /// Failures per minute over the last 30 minutes, oldest first. Closed minutes do not change,
    /// so only the last two are recounted.
    private func perMinute(_ store: any ConnectStoreReading, now: Date) async throws(StoreError) -> [Int] {
        let nowMinute = Int64(now.timeIntervalSince1970) / 60
        let firstMinute = nowMinute - 29
        let known = minuteCounts.keys.filter { $0 >= firstMinute }.max()
        let from = known.map { max(firstMinute, $0 - 1) } ?? firstMinute
        let counts = try await store.failuresPerMinute(since: Date(timeIntervalSince1970: TimeInterval(from * 60)))
        minuteCounts = minuteCounts.filter { $0.key >= firstMinute && $0.key < from }
        for minute in from...nowMinute { minuteCounts[minute] = counts[minute] ?? 0 }
        return (firstMinute...nowMinute).map { minuteCounts[$0] ?? 0 }
    }
}
