import AdminCore
import ArgumentParser
import Crypto
import Foundation
import JWTKit

/// `connect-bench`: the performance targets of the design page, measured in one process.
/// Figures only mean something from a release build: `swift run -c release connect-bench jwt`.
@main
struct ConnectBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-bench", abstract: "ConnectAdmin benchmarks.", subcommands: [JWTBenchmark.self, StoreBenchmark.self])
}

/// Full Connect request authentication vs jwt-kit's HS256 verify vs a bare HMAC, all on the
/// same token.
struct JWTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jwt", abstract: "Request authentication throughput.")

    @Option(help: "Operations per round.")
    var iterations = 200_000

    @Option(help: "Rounds; the median round is reported.")
    var rounds = 7

    @Flag(help: "Measure only ConnectAdmin's path (for profiling it alone).")
    var onlyConnect = false

    /// jwt-kit needs a payload type; verification only checks the signature and decodes.
    struct ConnectPayload: JWTPayload {
        var iss: String
        var sub: String
        var qsh: String
        var exp: Int64
        var iat: Int64
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    func run() async throws {
        let secret = SharedSecret("f2b8e6d4-9c1a-4b7e-8d3f-2a6c5e9b1d70-connect-secret")
        let clientKey = "jira:7c0f1e3a-5b2d-4c8e-9f6a-1d3b5e7c9a2f"
        let now: Int64 = 1_700_000_000
        let method = "GET", path = "/rest/api/3/issue/ABC-123", query = "expand=names,renderedFields&fields=summary"
        let claims = ConnectClaims(issuer: clientKey, subject: "5b10a2844c20165700ede21g", issuedAt: now, ttl: 180,
                                   request: CanonicalRequest(method: method, rawPath: Substring(path), rawQuery: Substring(query)))
        let token = ConnectTokenSigner.hs256(claims: claims.object, secret: secret)
        let authorization = "JWT " + token
        let signingInput = Array(token.utf8.prefix { $0 != UInt8(ascii: ".") }) + [UInt8(ascii: ".")]
            + Array(token.split(separator: ".")[1].utf8)
        let key = SymmetricKey(data: secret.bytes)
        print("token: \(token.utf8.count) bytes; \(iterations) operations x \(rounds) rounds, median round")

        // 3. ConnectAdmin: extract from the header, verify, check claims, compute and compare qsh.
        let verifier = ConnectTokenVerifier()
        let lookup = KeyLookup.found(.sharedSecret(secret), source: "tenant")
        let ours = await measure("ConnectAdmin full request authentication") {
            var sink = 0
            for _ in 0..<iterations {
                guard authorization.hasPrefix("JWT ") else { continue }
                let text = String(authorization.dropFirst(4))
                let request = CanonicalRequest(method: method, rawPath: Substring(path), rawQuery: Substring(query))
                let report = verifier.verify(text, expecting: TokenExpectation(request: request, audience: .tenant(clientKey)),
                                             now: now + 5) { token in token.tenantKey == clientKey ? lookup : .unavailable(.unknownIssuer, "") }
                sink &+= report.valid ? 1 : 0
            }
            return sink
        }
        precondition(ours.sink == iterations, "the benchmark token must verify")
        if onlyConnect { return }

        // 1. Bare HMAC-SHA256 over the signing input.
        let hmac = await measure("bare HMAC-SHA256") {
            var sink = 0
            for _ in 0..<iterations {
                sink &+= HMAC<SHA256>.authenticationCode(for: signingInput, using: key).withUnsafeBytes { Int($0[0]) }
            }
            return sink
        }

        // 2. jwt-kit: HS256 verify and decode, no claim checks.
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret.bytes), digestAlgorithm: .sha256)
        _ = try await keys.verify(token, as: ConnectPayload.self)
        let jwtKit = try await measure("jwt-kit HS256 verify") {
            var sink = 0
            for _ in 0..<iterations {
                sink &+= Int(try await keys.verify(token, as: ConnectPayload.self).exp & 1)
            }
            return sink
        }


        print("")
        print(String(format: "ConnectAdmin / jwt-kit throughput: %.2fx  (target >= 5x)", jwtKit.nsPerOp / ours.nsPerOp))
        print(String(format: "ConnectAdmin / bare HMAC time:     %.2fx  (target <= 6x)", ours.nsPerOp / hmac.nsPerOp))
    }

    struct Measurement {
        var nsPerOp: Double
        var sink: Int
    }

    /// Runs `body` once to warm up, then `rounds` times; reports the median round per operation.
    func measure(_ name: String, _ body: () async throws -> Int) async rethrows -> Measurement {
        var samples: [Double] = []
        var sink = try await body()
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            let start = clock.now
            sink = try await body()
            let elapsed = clock.now - start
            samples.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
        }
        return report(name, samples, sink)
    }

    func report(_ name: String, _ samples: [Double], _ sink: Int) -> Measurement {
        let median = samples.sorted()[samples.count / 2] / Double(iterations)
        print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%9.1f ns/op", median))
        return Measurement(nsPerOp: median, sink: sink)
    }
}
