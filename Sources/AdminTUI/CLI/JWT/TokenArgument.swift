import AdminCore
import CommandLineSupport
import ConnectCore
import Foundation

/// The TOKEN argument of `jwt verify` and `jwt decode`: a bare token, `-` for stdin (keeps
/// the token out of `ps` and shell history), or a pasted `Authorization` value.
enum TokenArgument {
    static func read(_ argument: String) throws -> String {
        var text = argument
        if text == "-" {
            var lines: [String] = []
            while let line = readLine(strippingNewline: true) { lines.append(line) }
            text = lines.joined(separator: "\n")
        }
        // Surrounding whitespace is never part of a token (a paste, a file's newline), as in the console.
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("JWT ") { text = String(text.dropFirst(4)).trimmingCharacters(in: .whitespaces) }
        guard !text.isEmpty else { throw CommandFailure.usage("no token given: pass it as TOKEN or '-' to read it from stdin") }
        return text
    }
}
