@testable import AdminTUI
import AdminCore
import ConnectCore
import Foundation
import Testing

/// The console's behaviour key by key, on the models (no terminal).
@Suite struct KeyHandlingTests {
    static func core(rows: Int = 24, columns: Int = 80) -> ConsoleCore { ConsoleFixtures.core(rows: rows, columns: columns) }

    static func type(_ text: String, _ core: inout ConsoleCore) -> [DataRequest] {
        text.flatMap { core.handle(.character($0)) }
    }

    static func draw(_ core: ConsoleCore, rows: Int = 24, columns: Int = 80) -> String {
        let surface = GridSurface(rows: rows, columns: columns)
        ConsoleRenderer.draw(core, on: surface)
        return surface.text
    }

    @Test func navigationMovesAndScrollsWithinBounds() {
        var core = Self.core()
        _ = core.handle(.down)
        _ = core.handle(.character("j"))
        #expect(core.screens.tenants.list.selectedIndex == 2)
        _ = core.handle(.up)
        #expect(core.screens.tenants.list.selectedIndex == 1)
        _ = core.handle(.end)
        let list = core.screens.tenants.list
        #expect(list.selectedIndex == 29)
        #expect(list.top == 29 - list.height + 1)
        _ = core.handle(.pageDown)
        #expect(core.screens.tenants.list.selectedIndex == 29)
        _ = core.handle(.home)
        #expect(core.screens.tenants.list.selectedIndex == 0 && core.screens.tenants.list.top == 0)
        _ = core.handle(.character("k"))
        #expect(core.screens.tenants.list.selectedIndex == 0)
    }

    /// The reported bug: `/expired`, second row, `r` filtered on the reason of the second row of
    /// the *unfiltered* list. Keys now act on the highlighted visible row.
    @Test func keysActOnTheHighlightedRowOfAFilteredList() {
        var core = Self.core()
        _ = core.handle(.character("3"))
        _ = core.handle(.character("/"))
        _ = Self.type("expired", &core)
        _ = core.handle(.enter)
        let visible = core.screens.failures.list.visible
        #expect(!visible.isEmpty && visible.allSatisfy { $0.reason == .expired })
        _ = core.handle(.down)
        let highlighted = core.screens.failures.list.selected
        #expect(highlighted?.id == visible[1].id)
        let requests = core.handle(.character("r"))
        #expect(core.screens.failures.reason == .expired)
        #expect(requests.contains { $0.query == .failures(FailureQuery(reason: .expired, limit: FailuresModel.pageSize)) })
        // Enter opens the highlighted failure, and t filters on its tenant.
        var other = Self.core()
        _ = other.handle(.character("3"))
        _ = other.handle(.character("/"))
        _ = Self.type("bad_signature", &other)
        _ = other.handle(.enter)
        _ = other.handle(.down)
        let chosen = other.screens.failures.list.selected
        _ = other.handle(.enter)
        #expect(other.screen == .failure)
        #expect(other.screens.failure.failure?.id == chosen?.id)
        _ = other.handle(.escape)
        _ = other.handle(.character("t"))
        #expect(other.screens.failures.tenant == chosen?.clientKey)
    }

    @Test func filtersMatchTheTextOnScreen() {
        var core = Self.core()
        _ = core.handle(.character("2"))
        _ = core.handle(.character("/"))
        _ = Self.type("rotated", &core)
        let rotated = core.screens.history.list.visible
        #expect(!rotated.isEmpty)
        #expect(rotated.allSatisfy { $0.rotatedSecret })
        #expect(rotated.count == ConsoleFixtures.events.filter(\.rotatedSecret).count)
        // Line editing in the filter: Ctrl-U empties it, then a label shown on screen.
        _ = core.handle(.control("u"))
        _ = Self.type("REJECTED", &core)
        #expect(core.screens.history.list.visible.count == ConsoleFixtures.events.filter { $0.outcome == .rejected }.count)
        // Enter on a filtered row opens that row's tenant.
        _ = core.handle(.enter)
        _ = core.handle(.down)
        let event = core.screens.history.list.selected
        _ = core.handle(.enter)
        #expect(core.screen == .tenant && core.screens.tenant.clientKey == event?.clientKey)
    }

    @Test func selectionFollowsTheRowIdAcrossRefreshes() {
        var core = Self.core()
        _ = core.handle(.character("2"))
        for _ in 0..<4 { _ = core.handle(.down) }
        let chosen = core.screens.history.list.selected
        // A refresh brings two new events at the top: the same event stays selected.
        let newer = (1...2).map { InstallEvent(id: 200 + Int64($0), at: ConsoleFixtures.now, node: "n", clientKey: "new-\($0)", eventType: .installed, outcome: .accepted, auth: "none") }
        _ = core.tick(now: ConsoleFixtures.now.addingTimeInterval(ConsoleCore.pollInterval))
        ConsoleFixtures.deliver(.history(newer + ConsoleFixtures.events), to: .history, in: &core)
        #expect(core.screens.history.list.selected?.id == chosen?.id)
        #expect(core.screens.history.list.selectedIndex == 6)
        // The selected event vanishes: its neighbour (the row now at its place) is selected.
        let without = (newer + ConsoleFixtures.events).filter { $0.id != chosen?.id }
        _ = core.tick(now: ConsoleFixtures.now.addingTimeInterval(2 * ConsoleCore.pollInterval))
        ConsoleFixtures.deliver(.history(without), to: .history, in: &core)
        #expect(core.screens.history.list.selectedIndex == 6)
        #expect(core.screens.history.list.selected?.id == without[6].id)
    }

    @Test func everyViewRefreshesItselfAndPollsNeverPileUp() {
        var core = Self.core()
        var clock = ConsoleFixtures.now
        func tick() -> [DataRequest] {
            clock = clock.addingTimeInterval(ConsoleCore.pollInterval)
            return core.tick(now: clock)
        }
        func slots(_ requests: [DataRequest]) -> Set<Slot> { Set(requests.map(\.slot)) }
        let page = Answer.tenants(TenantPage(rows: ConsoleFixtures.tenants, next: nil), append: false)
        // Showing Tenants again (the fixture's last step) asked for its rows: until they come,
        // the timer does not ask again.
        #expect(!slots(tick()).contains(.tenants))
        ConsoleFixtures.deliver(page, to: .tenants, in: &core)
        #expect(slots(tick()).contains(.tenants))
        ConsoleFixtures.deliver(page, to: .tenants, in: &core)
        // History asks when shown, and again on the timer once answered.
        #expect(slots(core.handle(.character("2"))).contains(.history))
        #expect(!slots(tick()).contains(.history))
        ConsoleFixtures.deliver(.history(ConsoleFixtures.events), to: .history, in: &core)
        #expect(slots(tick()).contains(.history))
        // The live tail polls on every tick, whatever the screen, once its answer is in.
        ConsoleFixtures.deliver(.tail([]), to: .tail, in: &core)
        #expect(slots(core.tick(now: clock.addingTimeInterval(0.3))).contains(.tail))
        // The tail sees new rows: the shown list (Tenants) is asked for again at once.
        _ = core.handle(.character("1"))
        ConsoleFixtures.deliver(page, to: .tenants, in: &core)
        let new = AuthFailure(id: 1001, at: clock, node: "n", clientKey: "k", reason: .expired, detail: "", method: "GET", path: "/new")
        let requests = ConsoleFixtures.deliver(.tail([new]), to: .tail, in: &core)
        #expect(slots(requests).contains(.tenants))
        #expect(core.tailCursor == 1001)
    }

    /// The store's wake-up reads the tail at once; one that comes while a tail read runs is
    /// not lost (that read may have started before the rows committed) and does not make the
    /// running read stale: it becomes one more read, from the cursor the answer moved.
    @Test func aStoreWakeUpReadsTheTailOnceMoreAfterARunningRead() {
        var core = Self.core()
        let first = core.failuresMayHaveChanged()
        #expect(first.map(\.query) == [.tail(after: 1000)])
        #expect(core.failuresMayHaveChanged().isEmpty, "a read is running: folded, not issued")
        #expect(core.failuresMayHaveChanged().isEmpty)
        let new = AuthFailure(id: 1001, at: ConsoleFixtures.now, node: "n", clientKey: "k", reason: .expired, detail: "", method: "GET", path: "/new")
        let afterFirst = ConsoleFixtures.deliver(.tail([new]), to: .tail, in: &core)
        #expect(core.tailCursor == 1001, "the running read's answer was kept")
        #expect(afterFirst.filter { $0.slot == .tail }.map(\.query) == [.tail(after: 1001)])
        // No wake-up during that read: its answer asks for nothing more.
        let afterSecond = ConsoleFixtures.deliver(.tail([]), to: .tail, in: &core)
        #expect(!afterSecond.contains { $0.slot == .tail })
    }

    @Test func aStaleAnswerIsDroppedInOnePlace() {
        var core = Self.core()
        _ = core.handle(.character("/"))
        let first = Self.type("a", &core)
        let second = Self.type("c", &core)
        guard let older = first.first, let newer = second.first else { Issue.record("expected tenant queries"); return }
        #expect(older.slot == .tenants && newer.generation == older.generation + 1)
        guard case .tenants(let query, false) = newer.query else { Issue.record("expected a tenants query"); return }
        #expect(query.filter == "ac")
        // The answer to "a" arrives after "ac" was asked: ignored.
        let stale = TenantPage(rows: [ConsoleFixtures.tenants[5]], next: nil)
        _ = core.receive(DataAnswer(slot: .tenants, generation: older.generation, answer: .tenants(stale, append: false)))
        #expect(core.screens.tenants.list.rows.count == ConsoleFixtures.tenants.count)
        _ = core.receive(DataAnswer(slot: .tenants, generation: newer.generation, answer: .tenants(stale, append: false)))
        #expect(core.screens.tenants.list.rows.count == 1)
    }

    @Test func escClearsTheFilterBeforeGoingBackAndXClearsEverything() {
        var core = Self.core()
        _ = core.handle(.character("3"))
        _ = core.handle(.character("r"))
        _ = core.handle(.character("/"))
        _ = Self.type("node-1", &core)
        _ = core.handle(.enter)
        #expect(core.screens.failures.filterText == "node-1")
        _ = core.handle(.escape)
        #expect(core.screen == .failures && core.screens.failures.filterText == "")
        _ = core.handle(.escape)
        #expect(core.screen == .tenants)
        // x: the / filter, the tenant and the reason at once.
        _ = core.handle(.character("3"))
        _ = core.handle(.character("t"))
        _ = core.handle(.character("/"))
        _ = Self.type("GET", &core)
        _ = core.handle(.enter)
        _ = core.handle(.character("x"))
        #expect(core.screens.failures.filterText == "" && core.screens.failures.tenant == nil && core.screens.failures.reason == nil)
        // Esc while typing a filter drops it.
        _ = core.handle(.character("/"))
        _ = Self.type("zzz", &core)
        #expect(core.screens.failures.list.visible.isEmpty)
        _ = core.handle(.escape)
        #expect(core.input == .normal && core.screens.failures.list.visible.count == ConsoleFixtures.failures.count)
    }

    @Test func sortCyclesColumnsAndReverses() {
        var core = Self.core()
        let first = core.handle(.character("s"))
        #expect(core.screens.tenants.sort == .baseUrl)
        guard case .tenants(let query, _)? = first.first?.query else { Issue.record("expected a query"); return }
        #expect(query.sort == .baseUrl && !query.descending)
        _ = core.handle(.character("S"))
        #expect(core.screens.tenants.descending)
        for _ in 0..<5 { _ = core.handle(.character("s")) }
        #expect(core.screens.tenants.sort == .clientKey)
    }

    @Test func commandModeCompletesRunsAndRemembers() {
        var core = Self.core()
        _ = core.handle(.character(":"))
        _ = Self.type("fai", &core)
        _ = core.handle(.tab)
        #expect(core.input == .command(LineEditor("failures")))
        _ = core.handle(.enter)
        #expect(core.screen == .failures)
        #expect(core.breadcrumbs == "Tenants > Failures")
        _ = core.handle(.character(":"))
        _ = core.handle(.up)
        #expect(core.input == .command(LineEditor("failures")))
        _ = core.handle(.escape)
        _ = core.handle(.character(":"))
        _ = Self.type("bogus", &core)
        _ = core.handle(.enter)
        #expect(core.status?.contains("unknown command :bogus") == true)
        let key = ConsoleFixtures.tenant(2).clientKey
        _ = core.handle(.character(":"))
        let requests = Self.type("tenant \(key)", &core) + core.handle(.enter)
        #expect(core.screen == .tenant && core.screens.tenant.clientKey == key)
        #expect(requests.contains { $0.query == .tenantDetail(key) })
        _ = core.handle(.character(":"))
        _ = Self.type("lab \(key)", &core)
        _ = core.handle(.enter)
        #expect(core.screen == .lab && core.screens.lab.value(.tenant) == key)
        _ = core.handle(.character(":"))
        _ = core.handle(.character("q"))
        _ = core.handle(.enter)
        #expect(core.quit)
    }

    @Test func openTenantAndGoBackWithBreadcrumbs() {
        var core = Self.core()
        _ = core.handle(.down)
        let requests = core.handle(.enter)
        let key = ConsoleFixtures.tenants[1].tenant.clientKey
        #expect(requests.map(\.query) == [.tenantDetail(key)])
        #expect(core.screen == .tenant)
        #expect(core.breadcrumbs == "Tenants > Tenant \(key)")
        _ = core.handle(.escape)
        #expect(core.screen == .tenants)
        _ = core.handle(.escape)
        #expect(core.screen == .tenants)  // never below the first screen
    }

    @Test func revealAsksFirstAndExpires() throws {
        var core = Self.core(rows: 40, columns: 120)
        _ = core.handle(.enter)
        let tenant = ConsoleFixtures.tenants[0].tenant
        ConsoleFixtures.deliver(.tenantDetail(TenantDetail(clientKey: tenant.clientKey, tenant: tenant, history: [], failures: [], secrets: [])),
                                to: .tenant, in: &core)
        _ = core.handle(.character("R"))
        guard case .confirm = core.input else { Issue.record("expected a confirmation"); return }
        _ = core.handle(.character("n"))
        #expect(!Self.draw(core, rows: 40, columns: 120).contains(try tenant.sharedSecret.reveal()))
        _ = core.handle(.character("R"))
        _ = core.handle(.character("y"))
        #expect(Self.draw(core, rows: 40, columns: 120).contains(try tenant.sharedSecret.reveal()))
        _ = core.tick(now: ConsoleFixtures.now.addingTimeInterval(11))
        #expect(!Self.draw(core, rows: 40, columns: 120).contains(try tenant.sharedSecret.reveal()))
    }

    /// A secret sealed under a key the console was not given: the Tenant screen says which key
    /// id it needs, and revealing shows nothing more.
    @Test func aSealedSecretNamesTheKeyItNeeds() throws {
        var core = Self.core(rows: 40, columns: 140)
        _ = core.handle(.enter)
        var tenant = ConsoleFixtures.tenants[0].tenant
        tenant.secret = .unavailable(SecretUnavailable(clientKey: tenant.clientKey, kind: .missingKey(keyID: "1a2b3c4d"), fingerprint: tenant.secretFingerprint))
        ConsoleFixtures.deliver(.tenantDetail(TenantDetail(clientKey: tenant.clientKey, tenant: tenant, history: [], failures: [], secrets: [])),
                                to: .tenant, in: &core)
        let screen = Self.draw(core, rows: 40, columns: 140)
        #expect(screen.contains("(sealed, needs key id 1a2b3c4d: start connect-admin with --secret-key-file)"), "\(screen)")
        #expect(screen.contains(tenant.secretFingerprint))
        _ = core.handle(.character("R"))
        _ = core.handle(.character("y"))
        #expect(Self.draw(core, rows: 40, columns: 140).contains("needs key id 1a2b3c4d"))
        #expect(!Self.draw(core, rows: 40, columns: 140).contains(try ConsoleFixtures.tenants[0].tenant.sharedSecret.reveal()))
    }

    @Test func followPausesWhenBrowsingAndTheTailOnlyAddsWhileFollowing() {
        var core = Self.core()
        _ = core.handle(.character("3"))
        #expect(core.screens.failures.following)
        #expect(core.tick(now: ConsoleFixtures.now).contains { $0.query == .tail(after: 1000) })
        let new = AuthFailure(id: 1001, at: ConsoleFixtures.now, node: "n", clientKey: "k", reason: .expired, detail: "", method: "GET", path: "/new")
        ConsoleFixtures.deliver(.tail([new]), to: .tail, in: &core)
        #expect(core.screens.failures.list.rows.first?.id == 1001)
        #expect(core.screens.failures.list.selected?.id == 1001)
        _ = core.handle(.down)
        #expect(!core.screens.failures.following)
        let selected = core.screens.failures.list.selected?.id
        _ = core.tick(now: ConsoleFixtures.now.addingTimeInterval(1))
        let newer = AuthFailure(id: 1002, at: ConsoleFixtures.now, node: "n", clientKey: "k", reason: .expired, detail: "", method: "GET", path: "/newer")
        ConsoleFixtures.deliver(.tail([newer]), to: .tail, in: &core)
        #expect(core.screens.failures.list.rows.first?.id == 1001, "paused: not added")
        #expect(core.screens.failures.list.selected?.id == selected)
        #expect(Self.draw(core, rows: 40, columns: 120).contains("1 new"))
        let resume = core.handle(.character("f"))
        #expect(core.screens.failures.following)
        #expect(resume.contains { $0.slot == .failures })
    }

    /// A failure the tail sees while the Failures page is being read (written after the page's
    /// cursor was taken) is shown once the page arrives, not dropped.
    @Test func tailRowsDuringALoadAreKept() {
        var core = Self.core()
        _ = core.handle(.character("3"))
        _ = core.handle(.character("u"))
        #expect(core.screens.failures.list.loading)
        #expect(core.tick(now: ConsoleFixtures.now).contains { $0.slot == .tail })
        let during = AuthFailure(id: 1001, at: ConsoleFixtures.now, node: "n", clientKey: "k", reason: .expired, detail: "", method: "GET", path: "/during")
        ConsoleFixtures.deliver(.tail([during]), to: .tail, in: &core)
        ConsoleFixtures.deliver(.failures(ConsoleFixtures.failures, newestID: 1000), to: .failures, in: &core)
        #expect(core.screens.failures.list.rows.first?.id == 1001)
        #expect(core.screens.failures.list.rows.count == ConsoleFixtures.failures.count + 1)
    }

    @Test func labFieldsAreEditedInPlace() {
        var core = Self.core()
        _ = core.handle(.character("4"))
        #expect(core.screen == .lab)
        #expect(core.handle(.enter).isEmpty)
        #expect(core.screens.lab.error != nil)
        _ = core.handle(.tab)  // tenant
        _ = core.handle(.tab)  // method
        _ = core.handle(.tab)  // url
        #expect(core.screens.lab.focus == .url)
        // Cursor editing: Home, type, End, Ctrl-W, Ctrl-K.
        _ = core.handle(.home)
        _ = Self.type("/x", &core)
        #expect(core.screens.lab.value(.url) == "/x/rest/api/3/myself")
        _ = core.handle(.end)
        _ = Self.type(" tail", &core)
        _ = core.handle(.control("w"))
        #expect(core.screens.lab.value(.url) == "/x/rest/api/3/myself ")
        _ = core.handle(.control("a"))
        _ = core.handle(.control("k"))
        #expect(core.screens.lab.value(.url) == "")
        _ = Self.type("/p", &core)
        _ = core.handle(.tab)  // token
        #expect(core.screens.lab.focus == .token)
        // A paste into a filled field with Ctrl-U first replaces it; q types rather than quits.
        _ = Self.type("old", &core)
        _ = core.handle(.control("u"))
        _ = core.handle(.paste("a.b.c\n"))
        _ = core.handle(.character("q"))
        #expect(!core.quit)
        #expect(core.screens.lab.value(.token) == "a.b.cq")
        let requests = core.handle(.enter)
        #expect(requests.map(\.query) == [.labVerify(token: "a.b.cq", method: "GET", url: "/p", tenant: "")])
        _ = core.handle(.escape)
        #expect(core.screens.lab.focus == nil)
        // Pasting a token with no field focused puts it in the token field.
        _ = core.handle(.paste("x.y.z"))
        #expect(core.screens.lab.focus == .token && core.screens.lab.value(.token) == "a.b.cqx.y.z")
        _ = core.handle(.escape)
        _ = core.handle(.character("m"))
        #expect(core.screens.lab.mode == .sign)
    }

    /// The lab's user kind: its own fields, a TTL that follows the kind, and a sign request
    /// that carries the account; its answer shows the assertion's claims and the exchange.
    @Test func labSignsActAsUserAssertions() throws {
        var core = Self.core()
        let tenant = ConsoleFixtures.tenants[0].tenant
        _ = core.handle(.character("4"))
        _ = core.handle(.character("m"))
        core.screens.lab.set(.tenant, tenant.clientKey)
        #expect(core.screens.lab.fields == [.tenant, .kind, .method, .url, .ttl])
        _ = core.handle(.tab)  // tenant
        _ = core.handle(.tab)  // kind
        #expect(core.screens.lab.focus == .kind)
        for _ in 0..<3 { _ = core.handle(.character(" ")) }  // request → context → outbound → user
        #expect(core.screens.lab.value(.kind) == "user")
        #expect(core.screens.lab.fields == [.tenant, .kind, .account, .ttl])
        #expect(core.screens.lab.value(.ttl) == "60")
        #expect(core.handle(.enter).isEmpty)
        #expect(core.screens.lab.error?.contains("account") == true)
        _ = core.handle(.tab)  // account
        _ = Self.type("5b10ac8d82e05b22cc7d4ef5", &core)
        let requests = core.handle(.enter)
        #expect(requests.map(\.query) == [.labSign(tenant: tenant.clientKey, method: "GET", url: "/rest/api/3/myself", kind: .user, ttl: 60,
                                                   accountID: "5b10ac8d82e05b22cc7d4ef5")])
        // A TTL the operator chose stays; one over 60 s is refused for an assertion.
        _ = core.handle(.tab)  // ttl
        _ = core.handle(.control("u"))
        _ = Self.type("90", &core)
        #expect(core.handle(.enter).isEmpty)
        #expect(core.screens.lab.error == "TTL must be 1 to 60 seconds")

        var withClient = tenant
        withClient.oauthClientId = "oauth-lab"
        guard case .labSigned(let signed) = TokenLab.sign(tenant: withClient, method: "GET", url: "/", kind: .user, ttl: 60,
                                                         accountID: "5b10ac8d82e05b22cc7d4ef5", now: 1_700_000_000) else {
            Issue.record("not signed")
            return
        }
        #expect(signed.details.map(\.label) == ["token", "claims", "exchange"])
        #expect(signed.details[1].value.contains("urn:atlassian:connect:clientid:oauth-lab"))
        #expect(signed.details[2].value.contains("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer"))
        withClient.oauthClientId = nil
        guard case .failed(let message) = TokenLab.sign(tenant: withClient, method: "GET", url: "/", kind: .user, ttl: 60,
                                                       accountID: "x", now: 1_700_000_000) else {
            Issue.record("signed without an oauthClientId")
            return
        }
        #expect(message.contains("no oauthClientId"))
    }

    @Test func aFailureOpensItsTenantOrTheLabWithItsRequest() {
        var core = Self.core()
        _ = core.handle(.character("3"))
        let failure = core.screens.failures.list.visible[0]
        _ = core.handle(.enter)
        #expect(core.screen == .failure && core.breadcrumbs == "Tenants > Failures > Failure #\(failure.id)")
        _ = core.handle(.character("l"))
        #expect(core.screen == .lab)
        #expect(core.screens.lab.value(.tenant) == failure.clientKey && core.screens.lab.value(.method) == failure.method
            && core.screens.lab.value(.url) == failure.path)
        _ = core.handle(.escape)
        #expect(core.screen == .failure)
        let requests = core.handle(.enter)
        #expect(core.screen == .tenant && requests.map(\.query) == [.tenantDetail(failure.clientKey ?? "")])
        // A failure without a tenant says so.
        _ = core.handle(.character("3"))
        guard let index = core.screens.failures.list.visible.firstIndex(where: { $0.clientKey == nil }) else { Issue.record("fixture"); return }
        core.screens.failures.list.select(at: index)
        _ = core.handle(.enter)
        _ = core.handle(.enter)
        #expect(core.screen == .failure && core.status == "this failure names no tenant")
    }

    @Test func copyHandsTheSelectedValueToTheClipboard() {
        var core = Self.core()
        _ = core.handle(.down)
        _ = core.handle(.character("c"))
        #expect(core.clipboard == ConsoleFixtures.tenants[1].tenant.clientKey)
        #expect(core.status == "copied the clientKey (OSC 52)")
        core.clipboard = nil
        _ = core.handle(.enter)
        let tenant = ConsoleFixtures.tenants[1].tenant
        ConsoleFixtures.deliver(.tenantDetail(TenantDetail(clientKey: tenant.clientKey, tenant: tenant, history: [], failures: [], secrets: [])),
                                to: .tenant, in: &core)
        _ = core.handle(.character("c"))
        #expect(core.clipboard == tenant.secretFingerprint)  // the fingerprint, never the secret
        core.clipboard = nil
        _ = core.handle(.character("2"))
        _ = core.handle(.character("c"))  // nothing to copy on History
        #expect(core.clipboard == nil)
        // The lab copies the signed token.
        _ = core.handle(.character("4"))
        core.screens.lab.set(.tenant, tenant.clientKey)
        _ = core.handle(.character("m"))
        #expect(core.handle(.enter).map(\.slot) == [.lab])
        ConsoleFixtures.deliver(.labSigned(TokenLab.SignedToken(token: "h.c.s", details: [("token", "h.c.s")])), to: .lab, in: &core)
        _ = core.handle(.character("c"))
        #expect(core.clipboard == "h.c.s")
        // What reaches the terminal: base64 inside the OSC 52 frame, even for hostile text.
        #expect(ConsoleRuntime.osc52("jira:abc") == "\u{1b}]52;c;amlyYTphYmM=\u{07}")
        #expect(!ConsoleRuntime.osc52("x\u{1b}]0;t\u{07}").dropFirst().dropLast().contains("\u{1b}"))
    }

    @Test func aFailingStoreIsShownAndTheConsoleKeepsWorking() {
        var core = Self.core()
        _ = core.tick(now: ConsoleFixtures.now.addingTimeInterval(ConsoleCore.headerInterval))
        ConsoleFixtures.deliver(.failed("cannot reach PostgreSQL at db:5432/connect (connection refused)"), to: .header, in: &core)
        #expect(Self.draw(core, columns: 120).contains("store: cannot reach PostgreSQL at db:5432/connect (connection refused) — retrying"))
        // Rows already shown stay, keys still work, and the next tick asks the store again.
        #expect(core.screens.tenants.list.rows.count == ConsoleFixtures.tenants.count)
        _ = core.handle(.down)
        #expect(core.screens.tenants.list.selectedIndex == 1)
        #expect(core.tick(now: ConsoleFixtures.now.addingTimeInterval(2 * ConsoleCore.headerInterval)).contains { $0.slot == .header })
        // A key does not hide the outage; the store answering again does.
        #expect(Self.draw(core, columns: 120).contains("store: cannot reach PostgreSQL"))
        ConsoleFixtures.deliver(.header(tenantCount: 30, rate: FailureRate(), newestFailureID: 1000, capabilities: .all), to: .header, in: &core)
        #expect(!Self.draw(core, columns: 120).contains("store:"), "the outage message is gone once the store answers")
        // With nothing loaded yet, the list itself says what is wrong.
        var empty = ConsoleCore()
        empty.resize(rows: 24, columns: 80)
        _ = empty.start()
        ConsoleFixtures.deliver(.failed("no store at /x.sqlite"), to: .tenants, in: &empty)
        #expect(Self.draw(empty).contains("store error: no store at /x.sqlite"))
    }

    @Test func theHeaderAndTheFailuresScreenShowTheSameRate() {
        var core = Self.core(rows: 40, columns: 120)
        var perMinute = Array(repeating: 0, count: 30)
        perMinute[28] = 58  // the last complete minute
        perMinute[29] = 3  // the current one, still counting
        let rate = FailureRate(perMinute: perMinute, lastSixtySeconds: 41)
        ConsoleFixtures.deliver(.header(tenantCount: 30, rate: rate, newestFailureID: 1000, capabilities: .all), to: .header, in: &core)
        _ = core.handle(.character("3"))
        let lines = Self.draw(core, rows: 40, columns: 120).split(separator: "\n")
        #expect(lines[0].contains("41 fail/min (last 60 s)"))
        #expect(lines[2].contains("41 fail/min (last 60 s), 3 this min"))
    }

    @Test func helpIsTheKeyTableAndScrolls() {
        for screen in ScreenID.allCases {
            let table = KeyMap.bindings(for: screen)
            #expect(KeyMap.help(for: screen).map(\.0) == table.map(\.label))
            // Every key listed does what the table says on that screen (no key is bound twice).
            for binding in table {
                for key in binding.keys where !(key == .left && binding.action == .right) {
                    #expect(KeyMap.action(for: key, on: screen) == binding.action, "\(key) on \(screen)")
                }
            }
        }
        // At 80x24 every binding of Failures can be reached by scrolling the help.
        var core = Self.core()
        _ = core.handle(.character("3"))
        _ = core.handle(.character("?"))
        var seen = Set<String>()
        for _ in 0..<10 {
            for line in Self.draw(core).split(separator: "\n") { seen.insert(String(line)) }
            _ = core.handle(.pageDown)
        }
        let text = seen.joined(separator: "\n")
        for (label, help) in KeyMap.help(for: .failures) {
            #expect(text.contains("│ \(Cell.fit(label, 11))\(help.prefix(40))"), "\(label)")
        }
        _ = core.handle(.escape)
        #expect(core.help == nil && core.screen == .failures)
    }

    @Test func theFunctionBarAndTabsComeFromTheKeyTable() {
        var core = Self.core()
        let bar = Self.draw(core).split(separator: "\n").last.map(String.init) ?? ""
        for binding in KeyMap.global where binding.bar { #expect(bar.contains("\(binding.label) \(binding.hint)"), "\(binding.label)") }
        #expect(bar.contains("u reload"))
        let tabs = core.tabs
        #expect(tabs.map(\.screen) == KeyMap.tabs.map(\.screen))
        // Clicking a tab switches to it.
        guard let failuresTab = tabs.first(where: { $0.screen == .failures }) else { Issue.record("no tab"); return }
        _ = core.handle(.mouse(MouseEvent(kind: .click, row: 1, column: failuresTab.columns.lowerBound + 1)))
        #expect(core.screen == .failures)
    }

    @Test func mouseSelectsOpensAndScrolls() {
        var core = Self.core()
        let origin = TenantsModel.listOrigin ?? 0
        _ = core.handle(.mouse(MouseEvent(kind: .click, row: origin + 4, column: 5)))
        #expect(core.screens.tenants.list.selectedIndex == 4)
        _ = core.handle(.mouse(MouseEvent(kind: .wheelDown, row: origin, column: 5)))
        #expect(core.screens.tenants.list.selectedIndex == 7)
        _ = core.handle(.mouse(MouseEvent(kind: .wheelUp, row: origin, column: 5)))
        #expect(core.screens.tenants.list.selectedIndex == 4)
        // A click below the rows selects nothing new.
        _ = core.handle(.mouse(MouseEvent(kind: .click, row: 23, column: 5)))
        #expect(core.screens.tenants.list.selectedIndex == 4)
        let requests = core.handle(.mouse(MouseEvent(kind: .doubleClick, row: origin + 2, column: 5)))
        #expect(core.screen == .tenant)
        #expect(requests.map(\.query) == [.tenantDetail(ConsoleFixtures.tenants[2].tenant.clientKey)])
    }

    @Test func wideModeShowsWholeCellsAndScrollsSideways() {
        var core = Self.core()
        let key = ConsoleFixtures.tenants[0].tenant.clientKey
        #expect(!Self.draw(core).contains(key), "cut at 80 columns by default")
        _ = core.handle(.character("w"))
        #expect(Self.draw(core).contains(key))
        let before = Self.draw(core)
        _ = core.handle(.right)
        let after = Self.draw(core)
        #expect(before != after)
        #expect(!after.contains("CLIENT KEY") && after.contains("\nEY▲"), "the line moved left by 8 cells:\n\(after)")
        _ = core.handle(.left)
        #expect(Self.draw(core) == before)
        // Right in the default layout turns wide mode on.
        _ = core.handle(.character("w"))
        _ = core.handle(.right)
        #expect(core.screens.tenants.layout.wide)
    }

    /// Another framework's store: tenants as usual; History and Failures say why they are
    /// empty, the tail is never polled, and sorting says it is not available.
    @Test func aForeignStoreSaysWhatItDoesNotKeep() {
        var core = ConsoleCore()
        core.now = ConsoleFixtures.now
        core.resize(rows: 24, columns: 100)
        _ = core.start()
        let missing = "atlassian-connect-express keeps no install history or authentication failures: run `connect-server --upstream` in front of the app to record them"
        let capabilities = StoreCapabilities(history: false, failures: false, sorting: false, missing: missing)
        ConsoleFixtures.deliver(.header(tenantCount: 30, rate: FailureRate(), newestFailureID: nil, capabilities: capabilities),
                                to: .header, in: &core)
        ConsoleFixtures.deliver(.tenants(TenantPage(rows: ConsoleFixtures.tenants.map { TenantRow(tenant: $0.tenant, recentFailures: nil) }, next: nil),
                                         append: false), to: .tenants, in: &core)
        #expect(core.handle(.character("s")).isEmpty)
        #expect(core.status?.contains("its own order") == true)
        #expect(!core.tick(now: ConsoleFixtures.now.addingTimeInterval(5)).contains { $0.slot == .tail })
        for key in ["2", "3"] {
            _ = core.handle(.character(Character(key)))
            let slot: Slot = key == "2" ? .history : .failures
            ConsoleFixtures.deliver(.unavailable(missing), to: slot, in: &core)
            let text = Self.draw(core, columns: 100)
            #expect(text.contains("keeps no install history or authentication failures"), "\(key)")
            #expect(!text.contains("loading"))
        }
    }

    /// At 80x24 an invalid token's report is longer than the screen: Down scrolls to its end.
    @Test func theLabResultScrolls() {
        var core = GoldenScreenTests.core("lab", rows: 24, columns: 80)
        let top = Self.draw(core)
        #expect(top.contains("lines, Up/Down scroll"))
        #expect(!top.contains("request qsh") && !top.contains("none of this tenant's secrets"))
        for _ in 0..<20 { _ = core.handle(.down) }
        let bottom = Self.draw(core)
        #expect(bottom.contains("request qsh") && bottom.contains("none of this tenant's secrets signed this token"))
        _ = core.handle(.home)
        #expect(Self.draw(core) == top)
    }
}

/// The live tail in time order, whatever order the rows were written in.
@Suite struct FailuresTailOrderTests {
    static func failure(id: Int64, second: Int, count: Int = 1) -> AuthFailure {
        AuthFailure(id: id, at: Date(timeIntervalSince1970: 1_800_000_000 + Double(second)), node: "n1", clientKey: "jira:a",
                    reason: .badSignature, detail: "d", method: "POST", path: "/webhooks/\(id)", count: count)
    }

    /// A page read newest by id, then a tail batch holding a folded row (written when its
    /// window closed, carrying its last occurrence) and a late batch: every row sits at its
    /// time, newest first, ties by id.
    @Test func rowsSitAtTheirTimeNotTheirWriteOrder() {
        var model = FailuresModel()
        var context = ScreenContext(now: Date(), rows: 40, columns: 120)
        model.reload(&context)
        // Written in id order; happened 52, 54, 51, 53 (a batch from two nodes).
        model.receive(.failures([Self.failure(id: 4, second: 53), Self.failure(id: 3, second: 51),
                                 Self.failure(id: 2, second: 54), Self.failure(id: 1, second: 52)], newestID: 4), &context)
        // The tail: a folded row whose last occurrence was second 55, and one at second 50 that
        // a backed-up writer wrote late, and a tie with row 2.
        model.tailArrived([Self.failure(id: 5, second: 50), Self.failure(id: 6, second: 55, count: 300),
                           Self.failure(id: 7, second: 54)], &context)
        let seconds = model.list.rows.map { Int($0.at.timeIntervalSince1970) - 1_800_000_000 }
        #expect(seconds == [55, 54, 54, 53, 52, 51, 50], "\(seconds)")
        #expect(model.list.rows.map(\.id) == [6, 7, 2, 4, 1, 3, 5])
        #expect(model.list.selectedIndex == 0)
    }
}

/// The Failures list gives the request a share of a wider terminal.
@Suite struct FailureColumnWidthTests {
    static func width(_ title: String, at columns: Int) -> Int? {
        let table = Table(FailureColumns.all, totalWidth: columns, style: CellStyle(now: Date()))
        return table.columns.firstIndex { $0.title == title }.map { table.widths[$0] }
    }

    @Test func theRequestWidensWithTheTerminal() throws {
        let at80 = try #require(Self.width("REQUEST", at: 80)), at120 = try #require(Self.width("REQUEST", at: 120))
        let at160 = try #require(Self.width("REQUEST", at: 160)), at200 = try #require(Self.width("REQUEST", at: 200))
        #expect(at120 > 16 && at160 >= 30 && at200 > at160, "REQUEST at 120/160/200: \(at120) \(at160) \(at200)")
        #expect(at80 <= at120)
        // DETAIL keeps the rest, and the row fills the terminal exactly.
        for columns in [120, 160, 200] {
            let table = Table(FailureColumns.all, totalWidth: columns, style: CellStyle(now: Date()))
            #expect(table.fullWidth == columns)
            #expect(try #require(Self.width("DETAIL", at: columns)) >= Self.width("REQUEST", at: columns) ?? 0)
        }
        // A whole clientKey still fits at 120.
        #expect(try #require(Self.width("TENANT", at: 120)) == 36)
    }
}
