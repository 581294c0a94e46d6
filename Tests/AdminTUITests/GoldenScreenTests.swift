@testable import AdminTUI
import AdminCore
import ConnectCore
import Foundation
import Testing

/// Every screen rendered at 80x24 and 120x40 from fixed data and a fixed clock, compared as
/// text with `Tests/AdminTUITests/Golden/`. `UPDATE_GOLDEN=1 swift test` rewrites them after an
/// intended change (review the diff).
@Suite struct GoldenScreenTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func core(_ name: String, rows: Int, columns: Int) -> ConsoleCore {
        var core = ConsoleFixtures.core(rows: rows, columns: columns)
        let hostile = ConsoleFixtures.hostile
        switch name {
        case "tenants": break
        case "tenants-wide": _ = core.handle(.character("w"))
        case "tenant":
            _ = core.handle(.down)
            _ = core.handle(.down)
            _ = core.handle(.down)
            _ = core.handle(.enter)
            ConsoleFixtures.deliver(.tenantDetail(TenantDetail(
                clientKey: hostile.clientKey, tenant: hostile, history: ConsoleFixtures.events.filter { $0.clientKey == hostile.clientKey },
                failures: Array(ConsoleFixtures.failures.prefix(5)),
                secrets: [SecretHistoryEntry(clientKey: hostile.clientKey, secret: hostile.secret,
                                             currentFrom: ConsoleFixtures.now.addingTimeInterval(-86_400), currentUntil: nil)])), to: .tenant, in: &core)
        case "history": _ = core.handle(.character("2"))
        case "failures": _ = core.handle(.character("3"))
        case "failure":
            _ = core.handle(.character("3"))
            _ = core.handle(.down)
            _ = core.handle(.enter)
        case "lab":
            _ = core.handle(.character("4"))
            core.screens.lab.set(.tenant, ConsoleFixtures.tenant(1).clientKey)
            core.screens.lab.set(.token, "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")
            _ = core.handle(.enter)
            var explanation = TokenInspector(verifier: ConnectTokenVerifier()).explain(
                TokenInspector.Question(token: core.screens.lab.value(.token), clientKey: ConsoleFixtures.tenant(1).clientKey,
                                        method: "GET", url: core.screens.lab.value(.url)),
                key: .found(.sharedSecret(ConsoleFixtures.secret(1)), source: "tenant"),
                now: Int64(ConsoleFixtures.now.timeIntervalSince1970))
            explanation.secretMatch = SecretMatch.none
            ConsoleFixtures.deliver(.labVerified(explanation), to: .lab, in: &core)
        case "help": _ = core.handle(.character("?"))
        default: break
        }
        return core
    }

    static func screen(_ name: String, rows: Int, columns: Int, unicode: Bool = true) -> GridSurface {
        let surface = GridSurface(rows: rows, columns: columns, unicode: unicode)
        ConsoleRenderer.draw(core(name, rows: rows, columns: columns), on: surface)
        return surface
    }

    static let screens = ["tenants", "tenants-wide", "tenant", "history", "failures", "failure", "lab", "help"]
    static let sizes = [(24, 80), (40, 120)]

    @Test(arguments: screens)
    func matchesGolden(_ name: String) throws {
        for (rows, columns) in Self.sizes {
            let rendered = Self.screen(name, rows: rows, columns: columns).text
            let file = Self.goldenDirectory.appendingPathComponent("\(name)-\(columns)x\(rows).txt")
            if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
                try rendered.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let golden = try String(contentsOf: file, encoding: .utf8)
            #expect(rendered == golden, "\(name) at \(columns)x\(rows) differs from \(file.lastPathComponent):\n\(rendered)")
        }
    }

    /// Every line of every screen is exactly as wide as the terminal, in cells: a fullwidth
    /// character counted as one would push the columns after it (and the next row) out of line.
    @Test(arguments: screens)
    func everyLineFillsTheTerminalExactly(_ name: String) {
        for (rows, columns) in Self.sizes {
            let lines = Self.screen(name, rows: rows, columns: columns).text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == rows)
            for (index, line) in lines.enumerated() {
                #expect(DisplayWidth.of(String(line)) == columns, "\(name) \(columns)x\(rows) line \(index): \(line)")
            }
        }
    }

    @Test func fullwidthRowKeepsTheColumnsAfterIt() {
        let text = Self.screen("tenants", rows: 40, columns: 120).text
        let lines = text.split(separator: "\n").map(String.init)
        guard let titles = lines.first(where: { $0.hasPrefix("CLIENT KEY") }),
              let row = lines.first(where: { $0.contains("日本語") }) else {
            Issue.record("no fullwidth row:\n\(text)")
            return
        }
        // The STATE column starts in the same cell on the title line and on the fullwidth row.
        let stateCell = DisplayWidth.of(String(titles[..<(titles.range(of: "STATE")?.lowerBound ?? titles.endIndex)]))
        let rowCell = DisplayWidth.of(String(row[..<(row.range(of: "enabled")?.lowerBound ?? row.endIndex)]))
        #expect(stateCell == rowCell)
        // …and the base URL itself is cut by cells, with the marker.
        #expect(row.contains("https://日本語の"))
    }

    @Test func aWholeClientKeyFitsAt120Columns() {
        let text = Self.screen("tenants", rows: 40, columns: 120).text
        for row in ConsoleFixtures.tenants.prefix(5) { #expect(text.contains(row.tenant.clientKey)) }
        let failures = Self.screen("failures", rows: 40, columns: 120).text
        #expect(failures.contains(ConsoleFixtures.tenant(0).clientKey))
        for reason in ["qsh_mismatch", "bad_signature", "tenant_uninstalled"] { #expect(failures.contains(reason)) }
    }

    @Test func failureScreenShowsEveryFieldAndTheWholeDetail() {
        let text = Self.screen("failure", rows: 40, columns: 80).text
        let failure = ConsoleFixtures.failures[1]
        for (name, _) in FailureColumns.fields(failure) { #expect(text.contains(" \(name)"), "\(name)") }
        #expect(text.contains("203.0.113.1"))
        #expect(text.contains("Atlassian HttpClient 4.2.1"))
        #expect(text.contains("0f1e2d3c4b5a6978"))
        // The detail, wrapped in full.
        for line in Cell.wrap(ConsoleFixtures.qshDetail, 80 - 14) { #expect(text.contains(line), "\(line)") }
    }

    @Test func hostileStoreContentIsShownEscaped() {
        for name in ["tenants", "tenant", "tenants-wide"] {
            let text = Self.screen(name, rows: 40, columns: 120).text
            #expect(!text.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 || $0.value == 0x9b }, "\(name)")
        }
        #expect(Self.screen("tenant", rows: 40, columns: 120).text.contains("\\x1b]0;pwned\\x07"))
    }

    @Test func tooSmallSaysSo() {
        let core = ConsoleFixtures.core(rows: 15, columns: 60)
        let surface = GridSurface(rows: 15, columns: 60)
        ConsoleRenderer.draw(core, on: surface)
        #expect(surface.text.contains("terminal too small"))
    }

    @Test func asciiFallbackUsesNoNonASCIISymbols() {
        for name in ["help", "failures", "history"] {
            let surface = Self.screen(name, rows: 40, columns: 120, unicode: false)
            let drawnSymbols = surface.text.unicodeScalars.filter { !$0.isASCII }
            // Store text may hold non-ASCII (the CursesSurface turns it into `?`); the console's own symbols may not.
            #expect(!drawnSymbols.contains { "│─┌┐└┘▲▼→⠋▁▂▃▄▅▆▇█•".unicodeScalars.contains($0) }, "\(name)")
        }
    }
}
