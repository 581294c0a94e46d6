import AdminCore
import ConnectCore
import ArgumentParser
import Crypto
import Foundation
import JWTKit

/// `connect-bench`: the performance targets of the design page, measured in one process.
/// Figures only mean something from a release build: `swift run -c release connect-bench jwt`.
@main
struct ConnectBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-bench", abstract: "ConnectAdmin benchmarks.", subcommands: [JWTBenchmark.self, StoreBenchmark.self, TailBenchmark.self, PruneBenchmark.self])
}

/// Full Connect request authentication vs jwt-kit's HS256 verify vs a bare HMAC, all on the
/// same token, and the Connect path stage by stage, so the next thing to make faster is visible.
struct JWTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jwt", abstract: "Request authentication throughput.")

    @Option(help: "Operations per round.")
    var iterations = 200_000

    @Option(help: "Rounds; the median round is reported.")
    var rounds = 7

    @Flag(help: "Measure only ConnectAdmin's path (for profiling it alone).")
    var onlyConnect = false

    @Flag(help: "Print one JSON object (connectNs, hmacNs, jwtKitNs, ratios, stages) instead of the table.")
    var json = false

    /// jwt-kit needs a payload type; verification only checks the signature and decodes.
    struct ConnectPayload: JWTPayload {
        var iss: String
        var sub: String
        var qsh: String
        var exp: Int64
        var iat: Int64
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    /// The targets of the performance issue: full authentication within 2.5 times a bare
    /// one-shot HMAC, and at least twice jwt-kit's throughput.
    static let hmacTarget = 2.5, jwtKitTarget = 2.0

    func run() async throws {
        let secret = SharedSecret("f2b8e6d4-9c1a-4b7e-8d3f-2a6c5e9b1d70-connect-secret")
        let clientKey = "jira:7c0f1e3a-5b2d-4c8e-9f6a-1d3b5e7c9a2f"
        let now: Int64 = 1_700_000_000
        let method = "GET", path = "/rest/api/3/issue/ABC-123", query = "expand=names,renderedFields&fields=summary"
        let claims = ConnectClaims(issuer: clientKey, subject: "5b10a2844c20165700ede21g", issuedAt: now, ttl: 180,
                                   request: CanonicalRequest(method: method, rawPath: Substring(path), rawQuery: Substring(query)))
        let token = ConnectTokenSigner.hs256(claims: claims.object, secret: secret)
        let authorization = "JWT " + token
        let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { Array($0) }
        let signingInput = segments[0] + [UInt8(ascii: ".")] + segments[1]
        let key = SymmetricKey(data: secret.bytes)
        note("token: \(token.utf8.count) bytes; \(iterations) operations x \(rounds) rounds, median round")

        // ConnectAdmin: extract from the header, verify, check claims, compute and compare qsh.
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
        if onlyConnect {
            if json { print(#"{"connectNs":\#(Self.rounded(ours.nsPerOp))}"#) }
            return
        }

        // A bare one-shot HMAC-SHA256 over the signing input: the work no verifier can avoid.
        let hmac = await measure("bare HMAC-SHA256 (one-shot, keyed each time)") {
            var sink = 0
            for _ in 0..<iterations {
                sink &+= HMAC<SHA256>.authenticationCode(for: signingInput, using: key).withUnsafeBytes { Int($0[0]) }
            }
            return sink
        }

        // jwt-kit: HS256 verify and decode, no claim checks.
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

        let stages = await measureStages(segments: segments, secret: secret, request: (method, path, query), total: ours.nsPerOp)
        let toHMAC = ours.nsPerOp / hmac.nsPerOp, toJWTKit = jwtKit.nsPerOp / ours.nsPerOp
        if json {
            let stageFields = stages.map { #""\#($0.key)":\#(Self.rounded($0.nsPerOp))"# }.joined(separator: ",")
            print(#"{"connectNs":\#(Self.rounded(ours.nsPerOp)),"hmacNs":\#(Self.rounded(hmac.nsPerOp)),"#
                + #""jwtKitNs":\#(Self.rounded(jwtKit.nsPerOp)),"connectToHmac":\#(Self.rounded(toHMAC, places: 3)),"#
                + #""jwtKitToConnect":\#(Self.rounded(toJWTKit, places: 3)),"stages":{\#(stageFields)}}"#)
            return
        }
        print("")
        print(String(format: "ConnectAdmin / bare HMAC time:     %.2fx  (target <= %.1fx)", toHMAC, Self.hmacTarget))
        print(String(format: "ConnectAdmin / jwt-kit throughput: %.2fx  (target >= %.1fx)", toJWTKit, Self.jwtKitTarget))
        print("")
        print("ConnectAdmin, stage by stage (each timed alone on the same token; the rest is the difference):")
        for stage in stages {
            print("  " + stage.title.padding(toLength: 54, withPad: " ", startingAt: 0)
                  + String(format: "%8.1f ns  %5.1f %%", stage.nsPerOp, 100 * stage.nsPerOp / ours.nsPerOp))
        }
    }

    struct Stage {
        var key: String
        var title: String
        var nsPerOp: Double
    }

    /// Each stage of the Connect path alone, then what the stages leave of the whole: the
    /// claim checks, the report and the glue between them.
    func measureStages(segments: [[UInt8]], secret: ConnectCore.SharedSecret, request parts: (String, String, String),
                       total: Double) async -> [Stage] {
        let (method, path, query) = parts
        var stages: [Stage] = []
        let decode = await measure("  stage: base64url decode (3 segments)", quiet: true) {
            var sink = 0
            for _ in 0..<iterations {
                for segment in segments { sink &+= Base64URL.decode(segment)?.count ?? 0 }
            }
            return sink
        }
        stages.append(Stage(key: "decode", title: "base64url decode (3 segments)", nsPerOp: decode.nsPerOp))
        let header = Base64URL.decode(segments[0]) ?? [], payload = Base64URL.decode(segments[1]) ?? []
        let json = await measure("  stage: JSON", quiet: true) {
            var sink = 0
            let parser = StrictJSONParser()
            for _ in 0..<iterations {
                if case .object(let object)? = try? parser.parse(header) { sink &+= object.members.count }
                if case .object(let object)? = try? parser.parse(payload) { sink &+= object.members.count }
            }
            return sink
        }
        stages.append(Stage(key: "json", title: "strict JSON (header and claims)", nsPerOp: json.nsPerOp))
        let signature = Base64URL.decode(segments[2]) ?? [], signingInput = segments[0] + [UInt8(ascii: ".")] + segments[1]
        let mac = await measure("  stage: HMAC", quiet: true) {
            var sink = 0
            for _ in 0..<iterations { sink &+= HS256.isValid(signature, for: signingInput, secret: secret) ? 1 : 0 }
            return sink
        }
        stages.append(Stage(key: "hmac", title: "HMAC-SHA256 (state keyed once per secret)", nsPerOp: mac.nsPerOp))
        let canonical = await measure("  stage: canonical request", quiet: true) {
            var sink = 0
            for _ in 0..<iterations {
                sink &+= CanonicalRequest(method: method, rawPath: Substring(path), rawQuery: Substring(query)).query.utf8.count
            }
            return sink
        }
        stages.append(Stage(key: "canonical", title: "canonical request", nsPerOp: canonical.nsPerOp))
        let request = CanonicalRequest(method: method, rawPath: Substring(path), rawQuery: Substring(query))
        let qsh = await measure("  stage: qsh", quiet: true) {
            var sink = 0
            for _ in 0..<iterations { sink &+= request.queryStringHash.utf8.count }
            return sink
        }
        stages.append(Stage(key: "qsh", title: "qsh (SHA-256 of the canonical request, hex)", nsPerOp: qsh.nsPerOp))
        let measured = stages.reduce(0) { $0 + $1.nsPerOp }
        stages.append(Stage(key: "claims", title: "the rest: claim checks, report, glue", nsPerOp: max(0, total - measured)))
        return stages
    }

    struct Measurement {
        var nsPerOp: Double
        var sink: Int
    }

    /// Runs `body` once to warm up, then `rounds` times; reports the median round per operation.
    func measure(_ name: String, quiet: Bool = false, _ body: () async throws -> Int) async rethrows -> Measurement {
        var samples: [Double] = []
        var sink = try await body()
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            let start = clock.now
            sink = try await body()
            let elapsed = clock.now - start
            samples.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
        }
        let median = samples.sorted()[samples.count / 2] / Double(iterations)
        if !quiet { note(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%9.1f ns/op", median)) }
        return Measurement(nsPerOp: median, sink: sink)
    }

    /// The table's lines; with `--json` only the JSON object is printed.
    func note(_ line: String) {
        if !json { print(line) }
    }

    static func rounded(_ value: Double, places: Int = 1) -> String {
        String(format: "%.\(places)f", value)
    }
}
