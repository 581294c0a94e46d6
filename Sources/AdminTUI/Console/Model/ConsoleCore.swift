import AdminCore
import Foundation

/// The console's behaviour without a terminal: keys and data arrivals change the state and
/// return the store requests to make. Pure enough to test key by key.
struct ConsoleCore: Sendable {
    var state = ConsoleState()
    /// Set when the user asked to quit.
    var quit = false
    /// A value to copy to the clipboard (OSC 52), picked up by the runtime.
    var clipboard: String?
    static let pageSize = 200

    /// The requests to make when the console starts.
    mutating func start() -> [DataRequest] {
        state.tenants.loading = true
        // The first screen's rows first; the header's counts are the slowest and can wait.
        return [tenantsRequest(), .failures(failureQuery()), .header]
    }

    /// The tenants query for the current filter and sort. Each new one gets a new generation,
    /// so an answer that arrives after a newer query was made is ignored.
    mutating func tenantsRequest(after cursor: TenantQuery.Cursor? = nil) -> DataRequest {
        tenantGeneration += 1
        return .tenants(TenantQuery(filter: state.tenantFilter.isEmpty ? nil : state.tenantFilter, sort: state.tenantSort,
                                    descending: state.tenantDescending, limit: Self.pageSize, after: cursor, now: state.now),
                        append: cursor != nil, generation: tenantGeneration)
    }

    var tenantGeneration = 0
    /// Where the next page of tenants starts, when there is one.
    var tenantNext: TenantQuery.Cursor?

    func failureQuery() -> FailureQuery {
        FailureQuery(clientKey: state.failures.tenant, reason: state.failures.reason, limit: Self.pageSize)
    }

    /// Called every tick (~200 ms): the live tail and the header refresh.
    mutating func tick(now: Date) -> [DataRequest] {
        state.now = now
        state.spinnerPhase += 1
        if let until = state.detail.revealedUntil, now >= until { state.detail.revealedUntil = nil }
        var requests: [DataRequest] = []
        if state.failures.following && state.failures.primed { requests.append(.tail(after: state.failures.lastID)) }
        if state.spinnerPhase % 10 == 0 { requests.append(.header) }
        return requests
    }

    mutating func resize(rows: Int, columns: Int) {
        state.rows = rows
        state.columns = columns
        state.tenants.scrollToSelection(height: state.listHeight)
        state.history.scrollToSelection(height: state.listHeight)
        state.failures.list.scrollToSelection(height: state.listHeight - 1)
    }

    // MARK: - Keys

    mutating func handle(_ key: Key) -> [DataRequest] {
        if key == .interrupt { quit = true; return [] }
        if key == .resize { return [] }
        switch state.input {
        case .command(let text): return handleCommandInput(key, text)
        case .filter(let text): return handleFilterInput(key, text)
        case .confirmReveal:
            state.input = .normal
            if key == .character("y") {
                state.detail.revealedUntil = state.now.addingTimeInterval(10)
                state.status = "secret shown for 10 s"
            } else {
                state.status = "secret not shown"
            }
            return []
        case .normal:
            break
        }
        if state.showHelp {
            if key == .escape || key == .character("?") || key == .character("q") { state.showHelp = false }
            return []
        }
        if state.screen == .lab, let field = state.lab.focus, let requests = handleLabField(key, field) {
            return requests
        }
        guard let action = KeyMap.action(for: key, on: state.screen) else { return [] }
        return perform(action)
    }

    mutating func perform(_ action: Action) -> [DataRequest] {
        state.status = nil
        switch action {
        case .quit: quit = true
        case .help: state.showHelp = true
        case .back: goBack()
        case .command: state.input = .command("")
        case .filter: state.input = .filter(currentFilter)
        case .up: move(-1)
        case .down: return move(1)
        case .pageUp: move(-(state.listHeight - 1))
        case .pageDown: return move(state.listHeight - 1)
        case .home: move(-Int.max / 2)
        case .end: return move(Int.max / 2)
        case .open: return open()
        case .screen(let screen): return show(screen)
        case .sortNext:
            let all = TenantQuery.SortColumn.allCases
            state.tenantSort = all[((all.firstIndex(of: state.tenantSort) ?? 0) + 1) % all.count]
            state.tenants.selected = 0
            state.tenants.loading = true
            return [tenantsRequest()]
        case .sortReverse:
            state.tenantDescending.toggle()
            state.tenants.selected = 0
            state.tenants.loading = true
            return [tenantsRequest()]
        case .toggleFollow:
            state.failures.following.toggle()
            state.status = state.failures.following ? "following new failures" : "paused: new failures are not shown until f"
            return state.failures.following ? [.failures(failureQuery())] : []
        case .filterTenant:
            if state.screen == .failures, let row = state.failures.list.selectedRow {
                state.failures.tenant = row.clientKey
                return reloadFailures()
            }
            if state.screen == .history, let row = state.history.selectedRow {
                state.historyTenant = row.clientKey
                return [.history(HistoryQuery(clientKey: row.clientKey, limit: Self.pageSize))]
            }
        case .filterReason:
            if let row = state.failures.list.selectedRow {
                state.failures.reason = row.reason
                return reloadFailures()
            }
        case .clearFilters:
            if state.screen == .history {
                state.historyTenant = nil
                return [.history(HistoryQuery(limit: Self.pageSize))]
            }
            state.failures.tenant = nil
            state.failures.reason = nil
            return reloadFailures()
        case .reveal:
            if state.detail.tenant != nil { state.input = .confirmReveal }
        case .copy:
            copySelection()
        case .labMode:
            state.lab.mode = state.lab.mode == .verify ? .sign : .verify
            state.lab.focus = nil
        case .labNextField:
            let fields = state.lab.fields
            let next = state.lab.focus.flatMap { fields.firstIndex(of: $0) }.map { ($0 + 1) % fields.count } ?? 0
            state.lab.focus = fields[next]
        case .refresh:
            return refresh()
        }
        return []
    }

    var currentFilter: String {
        switch state.screen {
        case .history: return state.historyFilter
        case .failures: return state.failureFilter
        default: return state.tenantFilter
        }
    }

    mutating func goBack() {
        if state.screen == .lab, state.lab.focus != nil {
            state.lab.focus = nil
        } else if state.stack.count > 1 {
            state.stack.removeLast()
        }
    }

    mutating func show(_ screen: ScreenID) -> [DataRequest] {
        if screen == .tenant && state.detail.clientKey == nil {
            state.status = "open a tenant first (Enter on a row of Tenants)"
            return []
        }
        if screen == .lab, state.screen == .tenant, let key = state.detail.clientKey { state.lab.tenant = key }
        if let index = state.stack.firstIndex(of: screen) {
            state.stack.removeSubrange((index + 1)...)
        } else {
            state.stack.append(screen)
        }
        switch screen {
        case .history where state.history.rows.isEmpty:
            state.history.loading = true
            return [.history(HistoryQuery(clientKey: state.historyTenant, limit: Self.pageSize))]
        case .tenant:
            return state.detail.clientKey.map { [.tenantDetail($0)] } ?? []
        default:
            return []
        }
    }

    @discardableResult
    mutating func move(_ delta: Int) -> [DataRequest] {
        let height = state.listHeight
        switch state.screen {
        case .tenants:
            state.tenants.move(delta, height: height)
            // Near the end of what is loaded: fetch the next page.
            if state.tenants.selected >= state.tenants.rows.count - 1, !state.tenants.loading, tenantNext != nil {
                state.tenants.loading = true
                return [tenantsRequest(after: tenantNext)]
            }
        case .history: state.history.move(delta, height: height)
        case .failures:
            state.failures.list.move(delta, height: height - 1)
            if delta != 0, state.failures.following {
                state.failures.following = false
                state.status = "paused while you browse (f to follow again)"
            }
        case .tenant, .lab: break
        }
        return []
    }

    mutating func open() -> [DataRequest] {
        let key: String?
        switch state.screen {
        case .tenants: key = state.tenants.selectedRow?.tenant.clientKey
        case .history: key = visibleHistory().indices.contains(state.history.selected) ? visibleHistory()[state.history.selected].clientKey : nil
        case .failures: key = state.failures.list.selectedRow?.clientKey
        case .lab: return runLab()
        case .tenant: key = nil
        }
        guard let key else { return [] }
        return openTenant(key)
    }

    mutating func openTenant(_ key: String) -> [DataRequest] {
        state.detail = ConsoleState.TenantDetail(clientKey: key, loading: true)
        if let index = state.stack.firstIndex(of: .tenant) { state.stack.removeSubrange(index...) }
        state.stack.append(.tenant)
        return [.tenantDetail(key)]
    }

    mutating func reloadFailures() -> [DataRequest] {
        state.failures.list.selected = 0
        state.failures.list.loading = true
        return [.failures(failureQuery())]
    }

    mutating func refresh() -> [DataRequest] {
        switch state.screen {
        case .tenants: state.tenants.loading = true; return [tenantsRequest(), .header]
        case .history: return [.history(HistoryQuery(clientKey: state.historyTenant, limit: Self.pageSize))]
        case .failures: return reloadFailures()
        case .tenant: return state.detail.clientKey.map { [.tenantDetail($0)] } ?? []
        case .lab: return []
        }
    }

    mutating func copySelection() {
        switch state.screen {
        case .tenants: clipboard = state.tenants.selectedRow?.tenant.clientKey
        case .tenant: clipboard = state.detail.tenant?.secretFingerprint
        case .lab: clipboard = state.lab.signed?.token ?? (state.lab.token.isEmpty ? nil : state.lab.token)
        default: clipboard = nil
        }
        state.status = clipboard == nil ? "nothing to copy" : "copied to the clipboard (OSC 52)"
    }

    // MARK: - Input modes

    static let commands = ["tenants", "history", "failures", "lab", "tenant", "help", "q", "quit"]

    mutating func handleCommandInput(_ key: Key, _ text: String) -> [DataRequest] {
        switch key {
        case .escape: state.input = .normal
        case .backspace: state.input = .command(String(text.dropLast()))
        case .tab:
            // Completion: the first command that starts with what is typed.
            if let match = Self.commands.first(where: { $0.hasPrefix(text) && !text.isEmpty }) { state.input = .command(match) }
        case .up:
            if let last = state.commandHistory.last { state.input = .command(last) }
        case .enter:
            state.input = .normal
            return runCommand(text.trimmingCharacters(in: .whitespaces))
        case .character(let character): state.input = .command(text + String(character))
        default: break
        }
        return []
    }

    mutating func runCommand(_ text: String) -> [DataRequest] {
        guard !text.isEmpty else { return [] }
        state.commandHistory.append(text)
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "q", "quit": quit = true
        case "help": state.showHelp = true
        case "tenants", "history", "failures", "lab":
            if parts[0] == "lab", parts.count > 1 { state.lab.tenant = parts[1] }
            return show(ScreenID(rawValue: parts[0]) ?? .tenants)
        case "tenant":
            guard parts.count > 1 else { state.status = "usage: :tenant CLIENT_KEY"; return [] }
            return openTenant(parts[1])
        default:
            state.status = "unknown command :\(Cell.clean(parts[0])) (try :tenants :history :failures :lab :tenant KEY :q)"
        }
        return []
    }

    mutating func handleFilterInput(_ key: Key, _ text: String) -> [DataRequest] {
        var newText = text
        switch key {
        case .escape, .enter:
            state.input = .normal
            return []
        case .backspace: newText = String(text.dropLast())
        case .character(let character): newText = text + String(character)
        default: return []
        }
        state.input = .filter(newText)
        switch state.screen {
        case .history:
            state.historyFilter = newText
            state.history.selected = 0
            state.history.top = 0
        case .failures:
            state.failureFilter = newText
            state.failures.list.selected = 0
            state.failures.list.top = 0
        default:
            state.tenantFilter = newText
            state.tenants.selected = 0
            state.tenants.loading = true
            return [tenantsRequest()]
        }
        return []
    }

    mutating func handleLabField(_ key: Key, _ field: TokenLab.Field) -> [DataRequest]? {
        switch key {
        case .character(let character):
            state.lab.edit(field) { $0.append(character) }
            return []
        case .backspace:
            state.lab.edit(field) { if !$0.isEmpty { $0.removeLast() } }
            return []
        case .enter:
            return runLab()
        default:
            return nil
        }
    }

    mutating func runLab() -> [DataRequest] {
        let lab = state.lab
        state.lab.error = nil
        switch lab.mode {
        case .verify:
            guard !lab.token.isEmpty else { state.lab.error = "paste a token into the token field (Tab to reach it)"; return [] }
            return [.labVerify(token: lab.token.trimmingCharacters(in: .whitespacesAndNewlines), method: lab.method, url: lab.url, tenant: lab.tenant)]
        case .sign:
            guard !lab.tenant.isEmpty else { state.lab.error = "name the tenant (its clientKey) in the tenant field"; return [] }
            guard let ttl = Int64(lab.ttl), ttl > 0, ttl <= 86_400 else { state.lab.error = "TTL must be 1 to 86400 seconds"; return [] }
            return [.labSign(tenant: lab.tenant, method: lab.method, url: lab.url, kind: lab.kind, ttl: ttl)]
        }
    }

    // MARK: - Data

    mutating func apply(_ event: DataEvent) {
        let height = state.listHeight
        if case .failed = event {} else { state.storeProblem = nil }
        switch event {
        case .header(let tenantCount, let lastMinute, let perMinute):
            state.header.tenantCount = tenantCount
            state.header.failuresPerMinute = Double(lastMinute)
            state.failures.perMinute = perMinute
        case .tenants(let page, let append, let generation):
            guard generation == tenantGeneration else { return }
            if append {
                state.tenants.replace(state.tenants.rows + page.rows, height: height)
            } else {
                state.tenants.replace(page.rows, height: height)
            }
            tenantNext = page.next
        case .tenantDetail(let key, let tenant, let history, let failures, let secrets):
            guard key == state.detail.clientKey else { return }
            state.detail.tenant = tenant
            state.detail.history = history
            state.detail.failures = failures
            state.detail.secrets = secrets
            state.detail.loading = false
            state.detail.error = tenant == nil ? "no tenant \(Cell.clean(key)) in the store" : nil
        case .history(let events):
            state.history.replace(events, height: height)
        case .failures(let rows, let newestID):
            state.failures.list.replace(rows, height: height - 1)
            state.failures.lastID = newestID
            state.failures.primed = true
        case .tail(let rows):
            guard !rows.isEmpty else { return }
            state.failures.lastID = max(state.failures.lastID, rows.last?.id ?? 0)
            let matching = rows.filter { (state.failures.tenant == nil || $0.clientKey == state.failures.tenant)
                && (state.failures.reason == nil || $0.reason == state.failures.reason) }
            guard state.failures.following, !matching.isEmpty else { return }
            let merged = Array((matching.reversed() + state.failures.list.rows).prefix(1000))
            state.failures.list.replace(merged, height: height - 1)
        case .labVerified(let report, let match):
            state.lab.report = report
            state.lab.secretMatch = match
            state.lab.signed = nil
        case .labSigned(let signed):
            state.lab.signed = signed
            state.lab.report = nil
            state.lab.token = signed.token
        case .failed(let request, let message):
            // Whatever failed, say so on the status line; the next tick or key asks again.
            state.storeProblem = message
            switch request {
            case .tenants(_, _, let generation):
                guard generation == tenantGeneration else { return }
                state.tenants.loading = false
                state.tenants.error = message
            case .tenantDetail: state.detail.loading = false; state.detail.error = message
            case .history: state.history.loading = false; state.history.error = message
            case .failures, .tail: state.failures.list.loading = false; state.failures.list.error = message
            case .labVerify, .labSign: state.lab.error = message
            case .header: break
            }
        }
    }

    /// History rows after the `/` filter.
    func visibleHistory() -> [InstallEvent] {
        guard !state.historyFilter.isEmpty else { return state.history.rows }
        let needle = state.historyFilter.lowercased()
        return state.history.rows.filter {
            "\($0.clientKey) \($0.eventType.rawValue) \($0.outcome.rawValue) \($0.reason?.rawValue ?? "") \($0.auth)".lowercased().contains(needle)
        }
    }

    /// Failure rows after the `/` filter.
    func visibleFailures() -> [AuthFailure] {
        guard !state.failureFilter.isEmpty else { return state.failures.list.rows }
        let needle = state.failureFilter.lowercased()
        return state.failures.list.rows.filter {
            "\($0.clientKey ?? "") \($0.reason.rawValue) \($0.path) \($0.detail)".lowercased().contains(needle)
        }
    }
}
