@testable import AdminTUI
import Foundation
import Testing

/// `docs/console-keys.md` is the console's key map as the help screen shows it, screen by
/// screen: generated from `KeyMap`, so it cannot drift. `UPDATE_GOLDEN=1 swift test` rewrites it.
@Suite struct ConsoleKeysDocumentTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/console-keys.md")

    static func document() -> String {
        func table(_ bindings: [KeyBinding]) -> String {
            (["| key | what it does |", "|---|---|"] + bindings.map { binding in
                let command = binding.command.map { " (`:\($0)`)" } ?? ""
                return "| `\(binding.label.replacingOccurrences(of: "|", with: "\\|"))` | \(binding.help.replacingOccurrences(of: "|", with: "\\|"))\(command) |"
            }).joined(separator: "\n")
        }
        var parts = [
            "# Console keys",
            "",
            "Generated from the console's key map (`Sources/AdminTUI/Console/Model/KeyMap.swift` and each screen's bindings) by",
            "`Tests/AdminTUITests/ConsoleKeysDocumentTests.swift`; `UPDATE_GOLDEN=1 swift test --filter ConsoleKeysDocumentTests` rewrites it.",
            "In the console `?` shows the same list for the screen you are on.",
            "",
            "## Everywhere",
            "",
            table(KeyMap.global),
        ]
        for screen in ScreenID.allCases {
            parts += ["", "## \(screen.title)", "", table(ScreenSet.bindings(for: screen))]
        }
        return parts.joined(separator: "\n") + "\n"
    }

    @Test func documentMatchesTheKeyMap() throws {
        let generated = Self.document()
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try generated.write(to: Self.file, atomically: true, encoding: .utf8)
            return
        }
        let stored = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(stored == generated, "docs/console-keys.md is out of date: UPDATE_GOLDEN=1 swift test --filter ConsoleKeysDocumentTests")
    }
}
