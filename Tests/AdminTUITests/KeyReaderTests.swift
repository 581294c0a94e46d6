@testable import AdminTUI
import CNcurses
import Foundation
import Testing

/// Key sequences as a terminal sends them, through real ncurses on a pseudo-terminal, each
/// split across two reads with a pause between (as over SSH).
@Suite(.serialized) struct KeyReaderTests {
    static let cases: [(String, Key)] = [
        ("\u{1b}[1~", .home), ("\u{1b}[4~", .end), ("\u{1b}[H", .home), ("\u{1b}[F", .end), ("\u{1b}OH", .home), ("\u{1b}OF", .end),
        ("\u{1b}[7~", .home), ("\u{1b}[8~", .end), ("\u{1b}[5~", .pageUp), ("\u{1b}[6~", .pageDown), ("\u{1b}[3~", .delete),
        ("\u{1b}[A", .up), ("\u{1b}OB", .down), ("\u{1b}[C", .right), ("\u{1b}OD", .left), ("\u{1b}[Z", .backTab),
        ("\u{01}", .control("a")), ("\u{17}", .control("w")), ("\u{7f}", .backspace),
        ("\u{1b}[200~q.x\u{1b}[201~", .paste("q.x")),
    ]

    @Test func splitSequencesAreOneKeyAndALoneEscapeIsEscape() throws {
        var slave: Int32 = -1
        let master = ca_open_pty(&slave)
        try #require(master >= 0, "a pseudo-terminal")
        defer { close(master) }
        let screen = newterm("xterm-256color", fdopen(dup(slave), "w"), fdopen(slave, "r"))
        try #require(screen != nil, "xterm-256color terminfo is installed")
        set_term(screen)
        defer { endwin(); delscreen(screen) }
        cbreak()
        noecho()
        let window = ca_stdscr()
        KeyReader.configure(window)
        #expect(get_escdelay() == KeyReader.escapeDelay)
        // Generous here, so a busy machine cannot stretch the pause past it: the test is about
        // sequences arriving in pieces, not about the exact delay.
        set_escdelay(3000)
        wtimeout(window, 5000)
        for (sequence, expected) in Self.cases {
            let bytes = Array(sequence.utf8)
            let cut = max(1, bytes.count / 2)
            _ = bytes[..<cut].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            let rest = Array(bytes[cut...])
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(60)) {
                _ = rest.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            }
            #expect(KeyReader.read(window) == expected, "\(sequence.debugDescription)")
        }
        // A lone Escape is Escape once the delay has passed.
        set_escdelay(KeyReader.escapeDelay)
        _ = [UInt8(27)].withUnsafeBytes { write(master, $0.baseAddress, 1) }
        #expect(KeyReader.read(window) == .escape)
    }
}
