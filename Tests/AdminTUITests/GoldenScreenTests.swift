@testable import AdminTUI
import AdminCore
import Foundation
import Testing

/// Every screen rendered at 80x24 and 120x40 from fixed data and a fixed clock, compared as
/// text with `Tests/AdminTUITests/Golden/`. `UPDATE_GOLDEN=1 swift test` rewrites them after an
/// intended change (review the diff).
@Suite struct GoldenScreenTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func screen(_ name: String, rows: Int, columns: Int) -> String {
        var core = ConsoleFixtures.core(rows: rows, columns: columns)
        switch name {
        case "tenants": break
        case "tenant":
            _ = core.openTenant(ConsoleFixtures.hostile.clientKey)
            core.apply(.tenantDetail(ConsoleFixtures.hostile.clientKey, ConsoleFixtures.hostile,
                                     ConsoleFixtures.events.filter { $0.clientKey == ConsoleFixtures.hostile.clientKey },
                                     ConsoleFixtures.failures.prefix(5).map { $0 },
                                     [SecretHistoryEntry(clientKey: ConsoleFixtures.hostile.clientKey, secret: ConsoleFixtures.hostile.sharedSecret,
                                                         currentFrom: ConsoleFixtures.now.addingTimeInterval(-86_400), currentUntil: nil)]))
        case "history": _ = core.perform(.screen(.history))
        case "failures": _ = core.perform(.screen(.failures))
        case "lab":
            _ = core.perform(.screen(.lab))
            core.state.lab.tenant = ConsoleFixtures.tenant(1).clientKey
            core.state.lab.token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"
            let report = ConnectTokenVerifier().verify(core.state.lab.token, expecting: TokenExpectation(request: CanonicalRequest(method: "GET", url: core.state.lab.url)),
                                                       now: Int64(ConsoleFixtures.now.timeIntervalSince1970)) { _ in
                .found(.sharedSecret(ConsoleFixtures.tenant(1).sharedSecret), source: "tenant")
            }
            core.apply(.labVerified(report, SecretMatch.none))
        case "help": core.state.showHelp = true
        default: break
        }
        let surface = GridSurface(rows: rows, columns: columns)
        ConsoleRenderer.draw(core, on: surface)
        return surface.text
    }

    static let screens = ["tenants", "tenant", "history", "failures", "lab", "help"]
    static let sizes = [(24, 80), (40, 120)]

    @Test(arguments: screens)
    func matchesGolden(_ name: String) throws {
        for (rows, columns) in Self.sizes {
            let rendered = Self.screen(name, rows: rows, columns: columns)
            let file = Self.goldenDirectory.appendingPathComponent("\(name)-\(columns)x\(rows).txt")
            if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
                try rendered.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let golden = try String(contentsOf: file, encoding: .utf8)
            #expect(rendered == golden, "\(name) at \(columns)x\(rows) differs from \(file.lastPathComponent):\n\(rendered)")
        }
    }

    @Test func hostileStoreContentIsShownEscaped() {
        for name in ["tenants", "tenant"] {
            let text = Self.screen(name, rows: 40, columns: 120)
            #expect(!text.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 || $0.value == 0x9b }, "\(name)")
        }
        #expect(Self.screen("tenant", rows: 40, columns: 120).contains("\\x1b]0;pwned\\x07"))
    }

    @Test func tooSmallSaysSo() {
        let core = ConsoleFixtures.core(rows: 15, columns: 60)
        let surface = GridSurface(rows: 15, columns: 60)
        ConsoleRenderer.draw(core, on: surface)
        #expect(surface.text.contains("terminal too small"))
    }

    @Test func asciiFallbackUsesNoNonASCIISymbols() {
        var core = ConsoleFixtures.core(rows: 24, columns: 80)
        core.state.showHelp = true
        let surface = GridSurface(rows: 24, columns: 80, unicode: false)
        ConsoleRenderer.draw(core, on: surface)
        let drawnSymbols = surface.text.unicodeScalars.filter { !$0.isASCII }
        #expect(drawnSymbols.isEmpty, "\(String(String.UnicodeScalarView(drawnSymbols)))")
    }
}
