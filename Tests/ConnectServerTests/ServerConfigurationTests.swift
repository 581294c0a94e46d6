import AdminCore
@testable import ConnectServerKit
import Foundation
import Testing

/// connect-server's settings as data: read from options and the environment through one
/// table, without starting a server.
@Suite struct ServerConfigurationTests {
    static let minimal: GivenOptions = ["--port": ["0"], "--base-url": ["https://app.example"]]

    static func configuration(_ options: GivenOptions = minimal, _ environment: [String: String] = [:]) throws(ConfigurationError) -> ServerConfiguration {
        try ServerConfiguration(options: options, environment: environment)
    }

    static func problem(_ options: GivenOptions, _ environment: [String: String] = [:]) -> String? {
        do {
            _ = try configuration(options, environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func defaultsWhenNothingIsGiven() throws {
        let configuration = try Self.configuration()
        #expect(configuration.store == .sqlite(path: "connect.sqlite"))
        #expect(configuration.bind == "127.0.0.1" && configuration.leeway == 60 && configuration.retention == 30 * 86_400)
        #expect(configuration.storeTimeout == .seconds(5) && configuration.foldWindow == 10 && configuration.accessLog)
        #expect(configuration.upstream == nil && configuration.logFormat == .text && configuration.logLevel == .info)
        #expect(configuration.maxConnections == ConnectionBudget.current(sidecar: false).connections)
    }

    /// The flag wins over its variable; the variable over the default; lists split on commas;
    /// a flag's variable is on at 1 (the access log's is off at 0).
    @Test func theFlagThenItsVariableThenTheDefault() throws {
        let environment = ["CONNECT_LEEWAY": "30", "CONNECT_BIND": "0.0.0.0", "CONNECT_BASE_URL": "https://a.example, https://b.example",
                           "CONNECT_LEGACY_INSTALL": "1", "CONNECT_ACCESS_LOG": "0", "LOG_LEVEL": "debug", "CONNECT_STORE_TIMEOUT": "2.5",
                           "CONNECT_UPSTREAM": "http://127.0.0.1:3000", "CONNECT_PROTECT": "/api/*,/admin/*", "CONNECT_OBSERVE": "0"]
        let fromEnvironment = try Self.configuration(["--port": ["0"]], environment)
        #expect(fromEnvironment.leeway == 30 && fromEnvironment.bind == "0.0.0.0")
        #expect(fromEnvironment.baseURLs == ["https://a.example", "https://b.example"])
        #expect(fromEnvironment.legacyInstall && !fromEnvironment.accessLog && fromEnvironment.logLevel == .debug)
        #expect(fromEnvironment.storeTimeout == .milliseconds(2500))
        #expect(fromEnvironment.upstream?.protect.map(\.description) == ["/api/*", "/admin/*"])
        #expect(fromEnvironment.upstream?.observe == false)
        let flagsWin = try Self.configuration(["--port": ["0"], "--leeway": ["5"], "--base-url": ["https://c.example"]], environment)
        #expect(flagsWin.leeway == 5 && flagsWin.baseURLs == ["https://c.example"])
    }

    /// Every bad value is one sentence naming where it came from: the flag, or the variable.
    @Test(arguments: [
        (["--leeway": ["601"]], [:], "--leeway must be a whole number from 0 to 600 seconds"),
        ([:], ["CONNECT_LEEWAY": "soon"], "CONNECT_LEEWAY must be a whole number from 0 to 600 seconds, not \"soon\""),
        (["--retention-days": ["0"]], [:], "--retention-days must be a whole number from 1 to 36500"),
        ([:], ["CONNECT_RETENTION_DAYS": "99999999999999999999"], "CONNECT_RETENTION_DAYS must be a whole number"),
        (["--store-timeout": ["nan"]], [:], "--store-timeout must be between 0.1 and 120 seconds"),
        (["--max-connections": ["0"]], [:], "--max-connections must be a whole number from 1 to 1000000"),
        (["--log-format": ["xml"]], [:], "--log-format \"xml\" is not a format"),
        ([:], ["LOG_LEVEL": "loud"], "LOG_LEVEL \"loud\" is not a level"),
        (["--observe": ["true"]], [:], "--observe needs --upstream"),
        ([:], ["CONNECT_TENANTS_FROM": "ace+sqlite:/x"], "CONNECT_TENANTS_FROM needs --upstream"),
        (["--upstream": ["ftp://app"]], [:], "--upstream"),
        (["--store": ["mysql://db"]], [:], "--store:"),
        (["--trusted-proxy": ["not-an-address"]], [:], "not-an-address"),
    ] as [(GivenOptions, [String: String], String)])
    func badValuesAreOneSentenceNamingTheirSource(_ example: (GivenOptions, [String: String], String)) {
        let problem = Self.problem(Self.minimal.merging(example.0) { _, new in new }, example.1)
        #expect(problem?.contains(example.2) == true, "\(problem ?? "accepted")")
        #expect(problem?.contains("\n") == false)
    }

    @Test func aPortAndABaseURLAreRequired() {
        #expect(Self.problem(["--base-url": ["https://x"]])?.contains("--port") == true)
        #expect(Self.problem(["--port": ["0"]])?.contains("--base-url") == true)
    }

    /// Every setting has a flag and a variable of its own.
    @Test func theTableNamesEachFlagAndVariableOnce() {
        let flags = ServerSetting.all.map(\.flag), variables = ServerSetting.all.map(\.variable)
        #expect(Set(flags).count == flags.count && Set(variables).count == variables.count)
        #expect(variables.allSatisfy { $0 == "LOG_LEVEL" || $0.hasPrefix("CONNECT_") })
    }
}
