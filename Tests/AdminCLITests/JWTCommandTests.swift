import AdminCore
import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// `connect-admin jwt …` through the real binary: output shapes and exit codes.
@Suite struct JWTCommandTests {
    static let secret = "0123456789abcdef0123456789abcdef"

    static func json(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").first)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func qshJSON() throws {
        let result = try CLIRunner.run(["jwt", "qsh", "--method", "get", "--url", "https://app.example.com/ctx/rest/api/3/issue?expand=names&jwt=x",
                                        "--base-url", "https://app.example.com/ctx", "--json"])
        #expect(result.status == 0)
        let object = try Self.json(result.stdout)
        #expect(object["canonical"] as? String == "GET&/rest/api/3/issue&expand=names")
        #expect(object["qsh"] as? String == CanonicalRequest(method: "GET", url: "/rest/api/3/issue?expand=names").queryStringHash)
        #expect(object.count == 2)
    }

    @Test func signThenVerifyRoundTrip() throws {
        let file = try CLIRunner.temporaryFile(Self.secret + "\n")
        let signed = try CLIRunner.run(["jwt", "sign", "--secret-file", file, "--iss", "jira:abc", "--method", "POST",
                                        "--url", "/webhooks/issue_created?x=1", "--now", "1700000000", "--ttl", "120"])
        #expect(signed.status == 0)
        let token = signed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3)
        // The trailing newline of the file is not part of the secret: the library agrees.
        let report = ConnectTokenVerifier().verify(token, expecting: TokenExpectation(request: CanonicalRequest(method: "POST", url: "/webhooks/issue_created?x=1")),
                                                   now: 1_700_000_010) { _ in .found(.sharedSecret(SharedSecret(Self.secret)), source: "test") }
        #expect(report.valid)
        let verified = try CLIRunner.run(["jwt", "verify", token, "--secret-file", file, "--method", "POST",
                                          "--url", "/webhooks/issue_created?x=1", "--now", "1700000010"])
        #expect(verified.status == 0)
        #expect(verified.stdout.hasPrefix("VALID"))
        // From stdin, as an Authorization header value.
        let piped = try CLIRunner.run(["jwt", "verify", "-", "--secret-file", file, "--now", "1700000010"], stdin: "JWT \(token)\n")
        #expect(piped.status == 0)
        // Surrounding whitespace of a paste is not part of the token, on stdin or as the argument.
        let padded = try CLIRunner.run(["jwt", "verify", "-", "--secret-file", file, "--now", "1700000010"], stdin: "\n  JWT  \(token) \r\n\n")
        #expect(padded.status == 0, "\(padded.stdout)\(padded.stderr)")
        let argument = try CLIRunner.run(["jwt", "verify", " \(token)\n", "--secret-file", file, "--now", "1700000010"])
        #expect(argument.status == 0, "\(argument.stdout)\(argument.stderr)")
        #expect(try CLIRunner.run(["jwt", "verify", "  \n"]).status == 2)
    }

    @Test func verifyJSONListsEveryFailure() throws {
        let file = try CLIRunner.temporaryFile(Self.secret)
        let token = try CLIRunner.run(["jwt", "sign", "--secret-file", file, "--iss", "jira:abc", "--method", "GET",
                                       "--url", "/rest/api/3/issue", "--now", "1700000000"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try CLIRunner.run(["jwt", "verify", token, "--secret-file", file, "--method", "GET",
                                        "--url", "/rest/api/3/issue?expand=names", "--now", "1700001000", "--json"])
        #expect(result.status == 1)
        let object = try Self.json(result.stdout)
        #expect(object["valid"] as? Bool == false)
        let checks = try #require(object["checks"] as? [[String: Any]])
        let failed = checks.filter { $0["ok"] as? Bool == false }.compactMap { $0["reason"] as? String }
        #expect(failed == ["expired", "qsh_mismatch"])
        #expect(checks.allSatisfy { $0["name"] is String && $0["detail"] is String })
        #expect((object["claims"] as? [String: Any])?["iss"] as? String == "jira:abc")
        #expect((object["header"] as? [String: Any])?["alg"] as? String == "HS256")
        #expect(object["tokenQsh"] as? String != object["expectedQsh"] as? String)
    }

    /// Without --method/--url the qsh check is listed as skipped, never silently absent.
    @Test func verifyWithoutARequestListsQSHAsSkipped() throws {
        let file = try CLIRunner.temporaryFile(Self.secret)
        let token = try CLIRunner.run(["jwt", "sign", "--secret-file", file, "--iss", "jira:abc", "--method", "GET", "--url", "/x",
                                       "--now", "1700000000"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try CLIRunner.run(["jwt", "verify", token, "--secret-file", file, "--now", "1700000010", "--json"])
        #expect(result.status == 0)
        let checks = try #require(try Self.json(result.stdout)["checks"] as? [[String: Any]])
        let qsh = try #require(checks.first { $0["name"] as? String == "qsh" })
        #expect(qsh["skipped"] as? Bool == true)
        #expect(checks.filter { $0["skipped"] as? Bool == true }.count == 1)
        let text = try CLIRunner.run(["jwt", "verify", token, "--secret-file", file, "--now", "1700000010"])
        #expect(text.stdout.contains("skip  qsh") && text.stdout.contains("pass --method and --url"), "\(text.stdout)")
        // With a request it is checked.
        let bound = try CLIRunner.run(["jwt", "verify", token, "--secret-file", file, "--now", "1700000010", "--method", "GET", "--url", "/x", "--json"])
        let boundQSH = try #require((try Self.json(bound.stdout)["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "qsh" })
        #expect(boundQSH["skipped"] as? Bool == false && boundQSH["ok"] as? Bool == true)
    }

    @Test func verifyWithoutKeyIsNeverValid() throws {
        let file = try CLIRunner.temporaryFile(Self.secret)
        let token = try CLIRunner.run(["jwt", "sign", "--secret-file", file, "--iss", "jira:abc", "--context-qsh"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try CLIRunner.run(["jwt", "verify", token, "--json"])
        #expect(result.status == 1)
        #expect(try Self.json(result.stdout)["valid"] as? Bool == false)
    }

    @Test(arguments: [
        (["jwt", "qsh", "--method", "GET"], "--method and --url"),
        (["jwt", "qsh", "--method", "G E T", "--url", "/x"], "not an HTTP method"),
        (["jwt", "verify"], "Missing expected argument"),
        (["jwt", "verify", "abc", "--leeway", "-5"], "--leeway"),
        (["jwt", "verify", "abc", "--secret-file", "/nonexistent/secret"], "cannot read secret file"),
        (["jwt", "sign", "--secret-file", "/nonexistent/secret", "--iss", "x", "--method", "GET", "--url", "/"], "cannot read secret file"),
        (["jwt", "sign", "--iss", "x", "--method", "GET", "--url", "/"], "--secret-file"),
        (["jwt", "frobnicate"], "frobnicate"),
        (["store", "prune", "--older-than", "soon"], "--older-than \"soon\" is not a duration"),
        (["demo", "--headless", "--duration", "0s"], "--duration \"0s\" is not a duration"),
    ] as [([String], String)])
    func usageErrorsExit2WithOneClearMessage(_ example: ([String], String)) throws {
        let result = try CLIRunner.run(example.0)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(example.1))
    }

    @Test func rootHelpSaysItOpensTheConsoleAndVersionIsOneConstant() throws {
        let help = try CLIRunner.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("With no subcommand it opens the console"))
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ConnectAdminVersion.current)
    }

    @Test func emptySecretFileIsRefusedAndShortOneWarns() throws {
        let empty = try CLIRunner.temporaryFile("\n")
        let refused = try CLIRunner.run(["jwt", "sign", "--secret-file", empty, "--iss", "x", "--method", "GET", "--url", "/"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is empty"))
        let short = try CLIRunner.temporaryFile("tiny")
        let warned = try CLIRunner.run(["jwt", "sign", "--secret-file", short, "--iss", "x", "--method", "GET", "--url", "/"])
        #expect(warned.status == 0)
        #expect(warned.stderr.contains("only 4 bytes"))
        #expect(!warned.stderr.contains("tiny"))  // the secret itself is never printed
    }

    @Test func decodeShowsHostileClaimsEscaped() throws {
        let header = Base64URL.encode(Array(#"{"alg":"HS256"}"#.utf8))
        // JSON escapes that decode to ESC ] 0 ; … BEL (set the window title) and ESC [ 2 J (clear the screen).
        let claims = Base64URL.encode(Array(#"{"iss":"\u001b]0;owned\u0007\u001b[2J\u009b","exp":1,"iat":1}"#.utf8))
        let token = "\(header).\(claims).AAAA"
        for arguments in [["jwt", "decode", token], ["jwt", "decode", token, "--json"], ["jwt", "verify", token]] {
            let result = try CLIRunner.run(arguments)
            #expect(!result.stdout.contains("\u{1b}"), "\(arguments)")
            #expect(!result.stdout.contains("\u{07}"), "\(arguments)")
            #expect(!result.stdout.contains("\u{9b}"), "\(arguments)")
            #expect(result.stdout.contains("owned"), "\(arguments)")
        }
        let broken = try CLIRunner.run(["jwt", "decode", "a.b"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("malformed_token"))
    }
}
