@testable import AdminTUI
import AdminCore
import ConnectCore
import Foundation
import Testing

/// Events recorded by the sidecar say what the app answered, in History, on the Tenant screen
/// and in `history` (the CLI), and stand out when the app refused what we accepted.
@Suite struct SidecarEventTests {
    static func event(_ id: Int64, status: Int?, forwarded: Bool?, outcome: InstallEvent.Outcome = .accepted) -> InstallEvent {
        InstallEvent(id: id, at: ConsoleFixtures.now.addingTimeInterval(-Double(id) * 60), node: "node-1",
                     clientKey: ConsoleFixtures.tenant(1).clientKey, eventType: .installed, outcome: outcome,
                     reason: outcome == .rejected ? .unsignedReinstall : nil, auth: "rs256:key-1", upstreamStatus: status, forwarded: forwarded)
    }

    @Test func historyShowsTheAppsAnswer() throws {
        var core = ConsoleFixtures.core(rows: 24, columns: 80)
        _ = core.handle(.character("2"))
        let events = [Self.event(3, status: 500, forwarded: true), Self.event(2, status: 204, forwarded: true),
                      Self.event(1, status: nil, forwarded: false, outcome: .rejected), Self.event(4, status: nil, forwarded: true)]
        ConsoleFixtures.deliver(.history(events), to: .history, in: &core)
        let surface = GridSurface(rows: 24, columns: 80, unicode: true)
        ConsoleRenderer.draw(core, on: surface)
        let screen = surface.text
        #expect(screen.contains("accepted → app 500"), "\(screen)")
        #expect(screen.contains("accepted → app 204"))
        #expect(screen.contains("accepted → no answer"))
        #expect(EventColumns.style(events[0]) == .warning && EventColumns.style(events[1]) == .normal && EventColumns.style(events[2]) == .error)
        // Without sidecar events the column keeps its narrow width.
        #expect(EventColumns.columns(for: ConsoleFixtures.events).first { $0.title == "OUTCOME" }?.width == 8)
        #expect(EventColumns.outcome(events[0], unicode: false) == "accepted -> app 500")
        #expect(EventColumns.outcome(events[2], unicode: false) == "REJECTED")
    }
}
