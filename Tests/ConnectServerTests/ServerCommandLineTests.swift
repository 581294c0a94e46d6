import ConnectTestSupport
import AsyncHTTPClient
import Foundation
import Testing

/// connect-server's command line: bad input gets one clear message and the documented code.
@Suite struct ServerCommandLineTests {
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = TestProducts.executable("connect-server")
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("server-cli-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test func usageErrorsExit2AndStoreErrorsExit3() throws {
        let missingBase = try Self.run(["--port", "0"])
        #expect(missingBase.0 == 2)
        #expect(missingBase.1.contains("give --base-url"))
        let badURL = try Self.run(["--port", "0", "--base-url", "https://x", "--store", "mysql://db"])
        #expect(badURL.0 == 2)
        #expect(badURL.1.contains("unknown store URL"))
        let noDirectory = try Self.run(["--port", "0", "--base-url", "https://x", "--store", "sqlite:/nonexistent-\(UUID().uuidString)/x.sqlite"])
        #expect(noDirectory.0 == 3)
        #expect(noDirectory.1.contains("check that its directory exists"))
        let badPort = try Self.run(["--port", "70000", "--base-url", "https://x"])
        #expect(badPort.0 == 2)
    }

    /// A URL the server will connect to is checked at start: a port past 65535 crashed the
    /// process on the first request that used it (red team N6).
    @Test func urlsWithImpossiblePortsAreRefusedAtStart() throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("n6-\(UUID().uuidString).sqlite").path
        for (option, url) in [("--upstream", "http://127.0.0.1:99999"), ("--install-keys-url", "https://keys.example:65536"),
                              ("--upstream", "http://127.0.0.1:-1"), ("--upstream", "http://:80"), ("--upstream", "ftp://x")] {
            let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store, option, url])
            #expect(result.0 == 2, "\(option) \(url): exit \(result.0)")
            #expect(result.1.contains(option) && result.1.split(separator: "\n").count <= 3, "\(result.1)")
        }
    }

    /// `-1` used to delete every failure, a huge value crashed on overflow.
    @Test(arguments: ["-1", "0", "36501", "99999999999999999"])
    func retentionOutsideItsRangeIsAUsageError(_ days: String) throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString).sqlite").path
        let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store, "--retention-days=\(days)"])
        #expect(result.0 == 2, "\(result.1)")
        #expect(result.1.contains("retention-days"))
    }

    @Test(arguments: [
        (["--observe"], "--observe needs --upstream"),
        (["--public", "/x/*"], "--public needs --upstream"),
        (["--upstream", "ftp://app"], "http(s) URL"),
        (["--upstream", "http://127.0.0.1:1", "--upstream-timeout", "0"], "--upstream-timeout"),
        (["--upstream", "http://127.0.0.1:1", "--tenants-from", "ace+mysql://x"], "--tenants-from"),
        (["--log-format", "xml"], "--log-format \"xml\" is not a format"),
        (["--log-level", "loud"], "--log-level \"loud\" is not a level"),
    ] as [([String], String)])
    func optionsAreCheckedAtStart(_ example: ([String], String)) throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString).sqlite").path
        let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store] + example.0)
        #expect(result.0 == 2, "\(result.1)")
        #expect(result.1.contains(example.1), "\(result.1)")
    }

    /// Errors an operator meets at start are named: a missing descriptor file (exit 2), a port
    /// something else holds (exit 1).
    @Test func startErrorsNameWhatToFix() async throws {
        let store = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString).sqlite").path
        let missing = try Self.run(["--port", "0", "--base-url", "https://x", "--store", store, "--descriptor", "/nonexistent/app.json"])
        #expect(missing.0 == 2, "\(missing.1)")
        #expect(missing.1.contains("--descriptor file /nonexistent/app.json"), "\(missing.1)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tenants = directory.appendingPathComponent("tenants.json")
        try Data("[]".utf8).write(to: tenants)
        let holder = try await FixtureServer(script: "Tests/Fixtures/oauth-standin/authorization_server.py", arguments: ["--tenants", tenants.path],
                                             logDirectory: directory)
        defer { holder.stop() }
        let taken = try Self.run(["--port", String(holder.port), "--base-url", "https://x", "--store", store])
        #expect(taken.0 == 1, "\(taken.1)")
        #expect(taken.1.contains("port \(holder.port) is already in use"), "\(taken.1)")
    }

    /// A connect-server process on a free port with a store of its own: its base URL, its
    /// stderr file, and the process (killed by the caller).
    static func startServer(_ extra: [String]) async throws -> (process: Process, url: String, stderr: URL, stdout: URL) {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString).sqlite").path
        let server = try await ServerProcess.start(["--base-url", "https://x", "--store", "sqlite:" + store] + extra)
        return (server.process, server.url, server.stderr, server.stdout)
    }

    /// `--log-format json` writes one JSON object per line, and every request gets an access
    /// line (status, path without the token, reason) unless `--no-access-log`.
    @Test(arguments: [true, false])
    func jsonLogsAndTheAccessLog(accessLog: Bool) async throws {
        let (process, url, err, out) = try await Self.startServer(["--log-format", "json"] + (accessLog ? [] : ["--no-access-log"]))
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        #expect(try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/healthz"), timeout: .seconds(10)).status.code == 200)
        var refused = HTTPClientRequest(url: url + "/api/echo?jwt=not.a.token&x=1")
        refused.method = .POST
        #expect(try await HTTPClient.shared.execute(refused, timeout: .seconds(10)).status.code == 401)
        // The access line is written before the answer leaves: no waiting needed.
        let lines = try String(contentsOf: err, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
        #expect(lines.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        // stdout too: where it listens, as JSON (a log shipper reads every line of both).
        let announced = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON on stdout: \(line)")
        }
        #expect(announced.count == 1 && announced.first?["url"] as? String == url, "\(announced)")
        let requests = lines.filter { $0["message"] as? String == "request" }
        if accessLog {
            #expect(requests.contains { $0["path"] as? String == "/healthz" && $0["status"] as? String == "200" })
            let line = try #require(requests.first { $0["status"] as? String == "401" })
            #expect(line["path"] as? String == "/api/echo?x=1")  // never the token
            #expect(line["reason"] as? String == "malformed_token")
            #expect(line["duration_ms"] is String)
        } else {
            #expect(requests.isEmpty)
        }
    }

    /// `/metrics` after known traffic: the counters are exactly that traffic.
    @Test func metricsCountKnownTraffic() async throws {
        let (process, url, _, _) = try await Self.startServer(["--no-access-log"])
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        for _ in 0..<3 {
            #expect(try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/healthz"), timeout: .seconds(10)).status.code == 200)
        }
        for _ in 0..<2 {
            var refused = HTTPClientRequest(url: url + "/api/echo")
            refused.method = .POST
            refused.headers.add(name: "Authorization", value: "JWT not.a.token")
            #expect(try await HTTPClient.shared.execute(refused, timeout: .seconds(10)).status.code == 401)
        }
        var unsigned = HTTPClientRequest(url: url + "/installed")
        unsigned.method = .POST
        unsigned.body = .bytes(Array(#"{"key":"k","clientKey":"jira:m","sharedSecret":"s-0123456789abcdefghijklmnopqrstuvwxyz","baseUrl":"https://m.atlassian.net","productType":"jira","eventType":"installed"}"#.utf8))
        #expect(try await HTTPClient.shared.execute(unsigned, timeout: .seconds(10)).status.code == 401)
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/metrics"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        func value(_ name: String, _ labels: [String]) -> String? {
            text.split(separator: "\n").first { line in
                line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) }
            }.flatMap { $0.split(separator: " ").last.map(String.init) }
        }
        #expect(value("connect_http_requests_total", [#"route="/healthz""#, #"status="200""#, #"method="GET""#]) == "3", "\(text)")
        #expect(value("connect_http_requests_total", [#"route="/api/echo""#, #"status="401""#]) == "2")
        #expect(value("connect_auth_failures_total", [#"reason="malformed_token""#]) == "2")
        #expect(value("connect_lifecycle_events_total", [#"event="installed""#, #"outcome="rejected""#]) == "1")
        #expect(value("connect_http_request_duration_seconds_count", [#"route="/healthz""#]) == "3")
        #expect(text.contains("connect_store_operation_duration_seconds_bucket"))
        #expect(text.contains("connect_failure_queue_depth"))
        #expect(text.contains("\nconnect_failures_received_total 2"), "\(text)")
        #expect(!text.contains("not.a.token"))
        // Prometheus's own linter: counters end in _total, units are base units, and so on.
        let lint = try Self.promtool(["check", "metrics"], input: text)
        #expect(lint.status == 0 && lint.output.isEmpty, "promtool check metrics: \(lint.output)")
    }

    /// Runs `promtool` (Debian package `prometheus`, which scripts/test.sh installs) with `input`
    /// on its stdin.
    static func promtool(_ arguments: [String], input: String) throws -> (status: Int32, output: String) {
        guard let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSetupError("promtool is not installed: run scripts/test.sh, which installs Debian's prometheus package")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// `--metrics-port`: `/metrics` is served there and not on the main port.
    @Test func metricsOnTheirOwnPort() async throws {
        let (process, url, _, stdout) = try await Self.startServer(["--metrics-port", "0", "--no-access-log"])
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        #expect(try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/metrics"), timeout: .seconds(10)).status.code == 404)
        // The metrics listener prints its own line once bound.
        var metricsURL: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while metricsURL == nil && ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
            metricsURL = text.range(of: "http://127.0.0.1:[0-9]+/metrics", options: .regularExpression).map { String(text[$0]) }
            if metricsURL == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let metrics = try #require(metricsURL)
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: metrics), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)).contains("connect_http_requests_total"))
    }

    @Test func aMistypedStoreURLNeverEchoesItsPassword() throws {
        let result = try Self.run(["--port", "0", "--base-url", "https://x", "--store", "postgress://admin:hunter2-secret@db.example/connect"])
        #expect(result.0 == 2)
        #expect(!result.1.contains("hunter2"), "\(result.1)")
    }
}
