import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `connect-admin jwt exchange`: act as a user for real. Signs the assertion from the store,
/// exchanges it at the authorization server, and says what came back — and, when it was
/// refused, how the assertion it sent fares against every check we know.
struct ExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange", abstract: "Exchange an act-as-user assertion for an access token and explain the outcome.",
        discussion: """
            Exit 0 when a token was granted, 1 when the server refused or could not be reached, 2 on usage errors, \
            3 when the store cannot be read. The access token is printed only with --reveal.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The tenant (clientKey) whose secret, oauthClientId and baseUrl sign the assertion.")
    var tenant: String

    @Option(name: .customLong("account-id"), help: "The Atlassian account id of the user to act as.")
    var accountID: String

    @Option(help: "A scope to ask for (repeatable, or space-separated): READ, WRITE, ACT_AS_USER, …")
    var scope: [String] = []

    @Option(name: .customLong("auth-server"), help: "Where to send the exchange (a proxy or a stand-in); the assertion's aud stays the official host.")
    var authServer: String = UserAssertion.audience

    @Option(help: "Seconds the assertion lives (at most 60).")
    var ttl: Int64 = UserAssertion.maximumLifetime

    @Option(help: "Seconds to wait for the authorization server's answer.")
    var timeout: Int64 = 10

    @Flag(help: "Print the access token itself (it is a credential: by default only its fingerprint is shown).")
    var reveal = false

    @Flag(help: "Print one JSON object: {\"granted\", \"status\", \"tokenType\", \"scope\", \"expiresIn\", …}.")
    var json = false

    func validate() throws {
        guard ttl > 0 && ttl <= UserAssertion.maximumLifetime else {
            throw ValidationError("--ttl must be between 1 and \(UserAssertion.maximumLifetime) seconds: the authorization server refuses longer-lived assertions")
        }
        guard timeout > 0 && timeout <= 300 else { throw ValidationError("--timeout must be between 1 and 300 seconds") }
        guard !scope.isEmpty else { throw ValidationError("name the scopes to ask for, e.g. --scope READ --scope ACT_AS_USER") }
    }

    func run() async throws {
        let found = try await storeOptions.withReader { try await $0.tenant(clientKey: tenant) }
        guard let found else { throw CommandFailure.negative("no tenant \(Sanitized.quote(tenant)) in \(try storeOptions.location)") }
        let now = UnixTime.now()
        let assertion: String
        let exchange: TokenExchange
        do {
            assertion = try UserAssertion.sign(for: found, accountId: accountID, issuedAt: now, ttl: ttl).token
        } catch {
            throw CommandFailure.negative(error.description)
        }
        do {
            exchange = try TokenExchange(authServer: authServer, assertion: assertion, scopes: scope)
        } catch {
            throw CommandFailure.usage(error.description)
        }
        let outcome = try await send(exchange)
        switch outcome {
        case .granted(let token):
            report(granted: token, issuedAt: now)
        case .refused(let status, let error, let description, let body):
            let explanation = try await storeOptions.withReader { store in
                try await TokenInspector(verifier: ConnectTokenVerifier(minimumSecretBytes: 1))
                    .explain(TokenInspector.Question(token: assertion, kind: .user, clientKey: found.clientKey), store: store, now: now)
            }
            report(refusedWith: status, error: error, description: description, body: body, explanation)
            throw CommandFailure.negative()
        }
    }

    /// POSTs the form; a server that cannot be reached or does not answer in time is a
    /// refusal with a sentence, not a stack of NIO errors. `--timeout` bounds the whole
    /// exchange, the answer's body included (a server that drips it a byte at a time), and a
    /// redirect is reported, never followed: the assertion goes to the one host named.
    private func send(_ exchange: TokenExchange) async throws -> TokenExchangeOutcome {
        var request = HTTPClientRequest(url: exchange.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: exchange.formBody))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        let timeout = self.timeout
        let answer: (status: Int, location: String?, body: ByteBuffer)?
        do {
            defer { client.shutdown { _ in } }
            answer = try await withThrowingTaskGroup(of: (status: Int, location: String?, body: ByteBuffer)?.self) { group in
                group.addTask { [request] in
                    // A little less than the whole: a server that cannot be reached is reported
                    // as that (the client's last connect error comes at its deadline), not as silent.
                    let response = try await client.execute(request, timeout: .milliseconds(max(100, timeout * 1000 - 250)))
                    return (Int(response.status.code), response.headers.first(name: "Location"), try await response.body.collect(upTo: 256 * 1024))
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            answer = nil
        } catch {
            throw CommandFailure.negative("cannot reach the authorization server at \(exchange.url) (\(Self.reason(error))): check --auth-server and the network")
        }
        guard let answer else {
            throw CommandFailure.negative("the authorization server at \(exchange.url) did not answer within \(timeout) s: check --auth-server and the network")
        }
        if (300..<400).contains(answer.status) {
            let location = answer.location.map { Sanitized.quote(String($0.prefix(300))) } ?? "nowhere"
            throw CommandFailure.negative("the authorization server at \(exchange.url) answered \(answer.status), a redirect to \(location), which is not followed (the assertion goes to the host named only): give --auth-server the address that answers")
        }
        return TokenExchangeOutcome.read(status: answer.status, body: Array(buffer: answer.body))
    }

    static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return Sanitized.escape(String(text.prefix(160)))
    }

    private func report(granted token: TokenExchangeOutcome.AccessToken, issuedAt: Int64) {
        let expiresAt = token.expiresIn.map { issuedAt + $0 }
        if json {
            var object = JSONObject([
                "granted": .bool(true), "status": .integer(200), "tokenType": .string(token.tokenType),
                "scope": RecordRendering.optional(token.scope), "expiresIn": token.expiresIn.map(JSONValue.integer) ?? .null,
                "expiresAt": expiresAt.map { .string(ReportRendering.iso8601($0)) } ?? .null,
                "tokenFingerprint": .string(token.fingerprint),
            ])
            if reveal { object["accessToken"] = .string(token.reveal()) }
            return Standard.output(JSONValue.object(object).jsonText())
        }
        var rows = [["GRANTED", "\(token.tokenType) token \(token.fingerprint) for \(accountID) on \(tenant)"]]
        rows.append(["scope", token.scope ?? "(not stated)"])
        rows.append(["expires", token.expiresIn.map { "in \($0) s" + (expiresAt.map { " (\(ReportRendering.iso8601($0)))" } ?? "") } ?? "(not stated)"])
        rows.append(["access token", reveal ? token.reveal() : "hidden: --reveal prints it"])
        Standard.output(Standard.table(rows))
    }

    private func report(refusedWith status: Int, error: String?, description: String?, body: String, _ explanation: TokenExplanation) {
        let verdict = explanation.report.valid
            ? "the assertion passes every check here, so the server's reason is one this store cannot see: the tenant reinstalled "
                + "(a secret or oauthClientId newer than this store's), the app lacks the ACT_AS_USER scope, or the user has no access to the site"
            : "the assertion fails the checks below; fix those first"
        if json {
            Standard.output(JSONValue.object(JSONObject([
                "granted": .bool(false), "status": .integer(Int64(status)), "error": RecordRendering.optional(error),
                "errorDescription": RecordRendering.optional(description), "body": error == nil ? .string(body) : .null,
                "explanation": .string(verdict), "assertion": ReportRendering.json(explanation),
            ])).jsonText())
            return
        }
        let said = error.map { $0 + (description.map { ": " + $0 } ?? "") } ?? (body.isEmpty ? "(empty body)" : body)
        Standard.output(Standard.table([["REFUSED", "HTTP \(status) from \(authServer)"], ["server said", said], ["our reading", verdict]]))
        Standard.output("")
        Standard.output("The assertion it was sent:")
        Standard.output(ReportRendering.text(explanation))
    }
}
