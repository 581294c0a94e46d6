import AdminCore
import ConnectCore
import ConnectTestSupport
import Foundation
import Testing

/// Secrets at rest through the real binaries: what needs the key works with it, what does not
/// works without it, and what needs it and lacks it says which key id to pass.
@Suite struct SecretsAtRestCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func keyID(_ keygenOutput: String) -> String {
        keygenOutput.split(separator: " ").dropFirst(3).first.map(String.init) ?? ""
    }

    @Test func withAndWithoutTheKey() throws {
        let directory = try StoreCommandTests.seededDirectory(tenants: 40, failures: 20, events: 60)
        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Result {
            try CLIRunner.run(arguments, environment: environment, directory: directory)
        }
        let keygen = try run(["store", "keygen", "k1"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let k1 = Self.keyID(keygen.stdout)
        #expect(k1.count == 8, "\(keygen.stdout)")
        #expect(try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("k1").path)[.posixPermissions] as? Int == 0o600)
        let again = try run(["store", "keygen", "k1"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("never overwritten"))

        let plainInfo = try Self.json(try run(["store", "info", "--json"]).stdout)
        let plainCount = try #require((plainInfo["secrets"] as? [String: Any])?["plain"] as? Int)
        #expect(plainCount >= 40)

        let sealed = try run(["store", "seal", "--secret-key-file", "k1"])
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.contains("sealed \(plainCount) secrets with key id \(k1); \(plainCount) sealed under key id \(k1), 0 plain"), "\(sealed.stdout)")
        let info = try Self.json(try run(["store", "info", "--json"]).stdout)
        #expect((info["secrets"] as? [String: Any])?["plain"] as? Int == 0)
        #expect(((info["secrets"] as? [String: Any])?["sealed"] as? [String: Any])?[k1] as? Int == plainCount)

        // Without the key: tenants, fingerprints, secret check by fingerprint.
        let listed = try run(["tenants", "--json"])
        #expect(listed.status == 0)
        let rows = try listed.stdout.split(separator: "\n").map { try Self.json(String($0)) }
        #expect(rows.count == 40)
        let first = try #require(rows.first)
        let clientKey = try #require(first["clientKey"] as? String)
        let fingerprint = try #require(first["secretFingerprint"] as? String)
        let check = try run(["secret", "check", "--tenant", clientKey, "--fingerprint", fingerprint])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(try run(["history", "--json", "--limit", "5"]).status == 0)
        #expect(try run(["failures", "--json", "--limit", "5"]).status == 0)

        // What needs it says which key id to pass.
        let reveal = try run(["tenants", "--reveal-secrets"])
        #expect(reveal.status == 2)
        #expect(reveal.stderr.contains("sealed with key id \(k1), which is not in the key ring: pass that key's file with --secret-key-file"), "\(reveal.stderr)")
        #expect(reveal.stderr.contains("and 39 more tenants"))
        let sign = try run(["jwt", "sign", "--tenant", clientKey, "--method", "GET", "--url", "/x"])
        #expect(sign.status == 2)
        #expect(sign.stderr.contains("key id \(k1)"), "\(sign.stderr)")

        // With it: everything.
        let revealed = try run(["tenants", "--reveal-secrets", "--json", "--secret-key-file", "k1"])
        #expect(revealed.status == 0, "\(revealed.stderr)")
        for line in revealed.stdout.split(separator: "\n") {
            let row = try Self.json(String(line))
            let secret = try #require(row["sharedSecret"] as? String)
            #expect(SharedSecret(secret).fingerprint == row["secretFingerprint"] as? String)
        }
        #expect(try run(["--secret-key-file", "k1", "tenants", "--reveal-secrets"]).status == 0, "the key file before the subcommand, as --store")
        let token = try run(["jwt", "sign", "--tenant", clientKey, "--method", "GET", "--url", "/x", "--secret-key-file", "k1"])
        #expect(token.status == 0, "\(token.stderr)")
        let signed = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = try run(["jwt", "verify", signed, "--tenant", clientKey, "--method", "GET", "--url", "/x"],
                               environment: ["CONNECT_SECRET_KEY_FILE": directory.appendingPathComponent("k1").path])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let unverifiable = try run(["jwt", "verify", signed, "--tenant", clientKey, "--method", "GET", "--url", "/x"])
        #expect(unverifiable.status == 1)
        #expect(unverifiable.stdout.contains("secret_unavailable"), "\(unverifiable.stdout)")

        // Re-keying needs the old key; with it, everything moves to the new one.
        #expect(try run(["store", "keygen", "k2"]).status == 0)
        let withoutOld = try run(["store", "rekey", "--new-key-file", "k2"])
        #expect(withoutOld.status == 2)
        #expect(withoutOld.stderr.contains("key id \(k1)"), "\(withoutOld.stderr)")
        let rekeyed = try run(["store", "rekey", "--new-key-file", "k2", "--secret-key-file", "k1"])
        #expect(rekeyed.status == 0, "\(rekeyed.stderr)")
        let after = try Self.json(try run(["store", "info", "--json"]).stdout)
        let sealedAfter = try #require((after["secrets"] as? [String: Any])?["sealed"] as? [String: Any])
        #expect(sealedAfter.count == 1 && sealedAfter.values.first as? Int == plainCount && sealedAfter[k1] == nil)
        #expect(try run(["tenants", "--reveal-secrets", "--secret-key-file", "k2"]).status == 0)
        let oldOnly = try run(["tenants", "--reveal-secrets", "--secret-key-file", "k1"])
        #expect(oldOnly.status == 2, "the old key no longer opens anything")
    }
}
