@testable import AdminTUI
import AdminCore
import Foundation
import Testing

/// The console's behaviour key by key, on the state model (no terminal).
@Suite struct KeyHandlingTests {
    static func core() -> ConsoleCore { ConsoleFixtures.core(rows: 24, columns: 80) }

    @Test func navigationMovesAndScrollsWithinBounds() {
        var core = Self.core()
        _ = core.handle(.down)
        _ = core.handle(.character("j"))
        #expect(core.state.tenants.selected == 2)
        _ = core.handle(.up)
        #expect(core.state.tenants.selected == 1)
        _ = core.handle(.end)
        #expect(core.state.tenants.selected == 29)
        #expect(core.state.tenants.top == 29 - core.state.listHeight + 1)
        _ = core.handle(.pageDown)
        #expect(core.state.tenants.selected == 29)
        _ = core.handle(.home)
        #expect(core.state.tenants.selected == 0 && core.state.tenants.top == 0)
        _ = core.handle(.character("k"))
        #expect(core.state.tenants.selected == 0)
    }

    @Test func filterIsIncrementalAndQueriesTheStore() {
        var core = Self.core()
        #expect(core.handle(.character("/")).isEmpty)
        #expect(core.state.input == .filter(""))
        let requests = core.handle(.character("a"))
        guard case .tenants(let query, false, _)? = requests.first else { Issue.record("expected a tenants query"); return }
        #expect(query.filter == "a")
        _ = core.handle(.character("c"))
        #expect(core.state.tenantFilter == "ac")
        _ = core.handle(.backspace)
        #expect(core.state.tenantFilter == "a")
        _ = core.handle(.enter)
        #expect(core.state.input == .normal)
        #expect(core.state.tenantFilter == "a")
        // An answer to an older query ("ac") arriving late does not replace the newer one's.
        let stale = TenantPage(rows: [ConsoleFixtures.tenants[5]], next: nil)
        core.apply(.tenants(stale, append: false, generation: core.tenantGeneration - 1))
        #expect(core.state.tenants.rows.count == ConsoleFixtures.tenants.count)
        core.apply(.tenants(stale, append: false, generation: core.tenantGeneration))
        #expect(core.state.tenants.rows.count == 1)
        // On history the filter works on loaded rows.
        _ = core.handle(.character("2"))
        _ = core.handle(.character("/"))
        for character in "rejected" { _ = core.handle(.character(character)) }
        #expect(core.visibleHistory().allSatisfy { $0.outcome == .rejected })
        #expect(core.visibleHistory().count == ConsoleFixtures.events.filter { $0.outcome == .rejected }.count)
    }

    @Test func sortCyclesColumnsAndReverses() {
        var core = Self.core()
        let first = core.handle(.character("s"))
        #expect(core.state.tenantSort == .baseUrl)
        guard case .tenants(let query, _, _)? = first.first else { Issue.record("expected a query"); return }
        #expect(query.sort == .baseUrl && !query.descending)
        _ = core.handle(.character("S"))
        #expect(core.state.tenantDescending)
        for _ in 0..<5 { _ = core.handle(.character("s")) }
        #expect(core.state.tenantSort == .clientKey)
    }

    @Test func commandModeCompletesRunsAndRemembers() {
        var core = Self.core()
        _ = core.handle(.character(":"))
        for character in "fai" { _ = core.handle(.character(character)) }
        _ = core.handle(.tab)
        #expect(core.state.input == .command("failures"))
        _ = core.handle(.enter)
        #expect(core.state.screen == .failures)
        #expect(core.state.breadcrumbs == "Tenants > Failures")
        _ = core.handle(.character(":"))
        _ = core.handle(.up)
        #expect(core.state.input == .command("failures"))
        _ = core.handle(.escape)
        _ = core.handle(.character(":"))
        for character in "bogus" { _ = core.handle(.character(character)) }
        _ = core.handle(.enter)
        #expect(core.state.status?.contains("unknown command :bogus") == true)
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
        #expect(requests == [.tenantDetail(key)])
        #expect(core.state.screen == .tenant)
        #expect(core.state.breadcrumbs == "Tenants > Tenant \(key)")
        _ = core.handle(.escape)
        #expect(core.state.screen == .tenants)
        _ = core.handle(.escape)
        #expect(core.state.screen == .tenants)  // never below the first screen
    }

    @Test func revealAsksFirstAndExpires() {
        var core = Self.core()
        _ = core.handle(.enter)
        let tenant = ConsoleFixtures.tenants[0].tenant
        core.apply(.tenantDetail(tenant.clientKey, tenant, [], [], []))
        _ = core.handle(.character("R"))
        #expect(core.state.input == .confirmReveal)
        _ = core.handle(.character("n"))
        #expect(core.state.detail.revealedUntil == nil)
        _ = core.handle(.character("R"))
        _ = core.handle(.character("y"))
        #expect(core.state.detail.revealedUntil != nil)
        _ = core.tick(now: ConsoleFixtures.now.addingTimeInterval(11))
        #expect(core.state.detail.revealedUntil == nil)
    }

    @Test func followPausesWhenBrowsingAndTailAppendsOnlyWhileFollowing() {
        var core = Self.core()
        _ = core.handle(.character("3"))
        #expect(core.state.failures.following)
        #expect(core.tick(now: ConsoleFixtures.now).contains(.tail(after: 1000)))
        let new = AuthFailure(id: 1001, at: ConsoleFixtures.now, node: "n", clientKey: "k", reason: .expired, detail: "", method: "GET", path: "/new")
        core.apply(.tail([new]))
        #expect(core.state.failures.list.rows.first?.id == 1001)
        _ = core.handle(.down)
        #expect(!core.state.failures.following)
        #expect(!core.tick(now: ConsoleFixtures.now).contains { if case .tail = $0 { return true } else { return false } })
        _ = core.handle(.character("f"))
        #expect(core.state.failures.following)
        // Filter by the selected row's reason.
        _ = core.handle(.character("r"))
        #expect(core.state.failures.reason != nil)
        _ = core.handle(.character("x"))
        #expect(core.state.failures.reason == nil)
    }

    @Test func labEditsFieldsAndRunsTheVerifier() {
        var core = Self.core()
        _ = core.handle(.character("4"))
        #expect(core.state.screen == .lab)
        #expect(core.handle(.enter).isEmpty)
        #expect(core.state.lab.error != nil)
        _ = core.handle(.tab)  // tenant
        _ = core.handle(.tab)  // method
        _ = core.handle(.tab)  // url
        _ = core.handle(.tab)  // token
        #expect(core.state.lab.focus == .token)
        for character in "a.b.c" { _ = core.handle(.character(character)) }
        // While editing, q types rather than quits.
        _ = core.handle(.character("q"))
        #expect(!core.quit)
        #expect(core.state.lab.token == "a.b.cq")
        let requests = core.handle(.enter)
        #expect(requests == [.labVerify(token: "a.b.cq", method: "GET", url: "/rest/api/3/myself", tenant: "")])
        _ = core.handle(.escape)
        #expect(core.state.lab.focus == nil)
        _ = core.handle(.character("m"))
        #expect(core.state.lab.mode == .sign)
    }

    @Test func copyHandsTheSelectedValueToTheClipboard() {
        var core = Self.core()
        _ = core.handle(.down)
        _ = core.handle(.character("c"))
        #expect(core.clipboard == ConsoleFixtures.tenants[1].tenant.clientKey)
        #expect(core.state.status == "copied to the clipboard (OSC 52)")
        core.clipboard = nil
        _ = core.handle(.enter)
        let tenant = ConsoleFixtures.tenants[1].tenant
        core.apply(.tenantDetail(tenant.clientKey, tenant, [], [], []))
        _ = core.handle(.character("c"))
        #expect(core.clipboard == tenant.secretFingerprint)  // the fingerprint, never the secret
        core.clipboard = nil
        _ = core.handle(.character("2"))
        _ = core.handle(.character("c"))  // nothing to copy on History
        #expect(core.clipboard == nil)
        // What reaches the terminal: base64 inside the OSC 52 frame, even for hostile text.
        #expect(ConsoleRuntime.osc52("jira:abc") == "\u{1b}]52;c;amlyYTphYmM=\u{07}")
        #expect(!ConsoleRuntime.osc52("x\u{1b}]0;t\u{07}").dropFirst().dropLast().contains("\u{1b}"))
    }

    @Test func aFailingStoreIsShownAndTheConsoleKeepsWorking() {
        var core = Self.core()
        core.apply(.failed(.header, "cannot reach PostgreSQL at db:5432/connect (connection refused)"))
        let surface = GridSurface(rows: 24, columns: 120)
        ConsoleRenderer.draw(core, on: surface)
        #expect(surface.text.contains("store: cannot reach PostgreSQL at db:5432/connect (connection refused) — retrying"))
        // Rows already shown stay, keys still work, and the next tick asks the store again.
        #expect(core.state.tenants.rows.count == ConsoleFixtures.tenants.count)
        _ = core.handle(.down)
        #expect(core.state.tenants.selected == 1)
        var asksAgain = false
        for _ in 0..<10 where core.tick(now: ConsoleFixtures.now).contains(.header) { asksAgain = true }
        #expect(asksAgain)
        // A key does not hide the outage; the store answering again does.
        let afterKey = GridSurface(rows: 24, columns: 120)
        ConsoleRenderer.draw(core, on: afterKey)
        #expect(afterKey.text.contains("store: cannot reach PostgreSQL"))
        core.apply(.header(tenantCount: 30, failuresLastMinute: 0, perMinute: Array(repeating: 0, count: 30)))
        let recovered = GridSurface(rows: 24, columns: 120)
        ConsoleRenderer.draw(core, on: recovered)
        #expect(!recovered.text.contains("store:"), "the outage message is gone once the store answers")
        // With nothing loaded yet, the list itself says what is wrong.
        var empty = ConsoleCore()
        empty.resize(rows: 24, columns: 80)
        let request = empty.start()[0]
        empty.apply(.failed(request, "no store at /x.sqlite"))
        let emptySurface = GridSurface(rows: 24, columns: 80)
        ConsoleRenderer.draw(empty, on: emptySurface)
        #expect(emptySurface.text.contains("store error: no store at /x.sqlite"))
    }

    @Test func helpEqualsTheKeyTable() {
        for screen in ScreenID.allCases {
            let help = KeyMap.help(for: screen)
            let table = KeyMap.bindings.filter { $0.screens == nil || $0.screens?.contains(screen) == true }
            #expect(help.map(\.0) == table.map(\.label))
            // Every key listed does exactly what the table says on that screen (no key is bound twice).
            for binding in table {
                for key in binding.keys {
                    #expect(KeyMap.action(for: key, on: screen) == binding.action, "\(key) on \(screen)")
                }
            }
        }
        // The help overlay shows every label of the screen's table.
        var core = Self.core()
        core.resize(rows: 40, columns: 120)
        _ = core.handle(.character("?"))
        let surface = GridSurface(rows: 40, columns: 120)
        ConsoleRenderer.draw(core, on: surface)
        for (label, help) in KeyMap.help(for: .tenants) {
            #expect(surface.text.contains(" \(label.padding(toLength: 8, withPad: " ", startingAt: 0))\(help)"), "\(label)")
        }
    }
}
