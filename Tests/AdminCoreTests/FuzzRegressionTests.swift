@testable import AdminCore
import ConnectCore
import FuzzProperties
import Foundation
import Testing

/// Every input the fuzzers ever saved (`Tests/Fixtures/fuzz-regressions/TARGET/`) and every
/// seed they start from (`Fuzz/Corpus/TARGET/`) still satisfies its target's property, without
/// the fuzzer: a bug `scripts/fuzz.sh` found stays fixed in every `swift test`.
@Suite struct FuzzRegressionTests {
    static let root = TestSupport.packageRoot

    static func inputs(_ target: String) -> [URL] {
        ["Tests/Fixtures/fuzz-regressions/\(target)", "Fuzz/Corpus/\(target)"].flatMap { folder in
            (try? FileManager.default.contentsOfDirectory(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)) ?? []
        }
    }

    @Test(arguments: FuzzProperties.all.keys.sorted())
    func savedInputsStillHold(_ target: String) throws {
        let property = try #require(FuzzProperties.all[target])
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no seed corpus for \(target) in Fuzz/Corpus")
        for input in inputs {
            let problem = property(Array(try Data(contentsOf: input)))
            #expect(problem == nil, "\(input.lastPathComponent): \(problem ?? "")")
        }
    }

    /// Every saved lifecycle payload the rules accept survives the store's row shape: tenant →
    /// row values → tenant gives the same tenant. (The fuzz target checks the payload without
    /// the store, which it does not build.)
    @Test func savedLifecyclePayloadsSurviveTheRowShape() throws {
        var accepted = 0
        for input in Self.inputs("lifecycle") {
            guard let payload = try? LifecyclePayload.parse(Array(try Data(contentsOf: input)), expected: .installed),
                  let secret = payload.sharedSecret else { continue }
            accepted += 1
            let at = Date(timeIntervalSince1970: 1_700_000_000)
            let tenant = payload.tenant(secret: secret, installedAt: at, now: at)
            let values = try StoreStatements.tenantValues(tenant, keyRing: .none)
            let columns = StoreStatements.tenantColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let back = try StoreRows.tenant(SQLRow(values: Dictionary(uniqueKeysWithValues: zip(columns, values))), keyRing: .none)
            #expect(back == tenant, "\(input.lastPathComponent) changed on its way through the row shape")
        }
        #expect(accepted > 0, "no saved lifecycle payload is accepted: the seeds should include valid installs")
    }

    /// The properties can fail: inputs that break them, as a broken parser would let through.
    @Test func propertiesNoticeViolations() {
        let colour = "\u{1b}[31m red \u{202e}"
        #expect(FuzzProperties.terminalHazard(in: colour) != nil, "ESC and a bidi override, unescaped")
        #expect(FuzzProperties.sanitized(Array(colour.utf8)) == nil, "Sanitized escapes both")
        // A decoder that ignores the unused low bits of the last character accepts "QR" as "QQ" does.
        let lenient: ([UInt8]) -> [UInt8]? = { text in
            Data(base64Encoded: String(decoding: text, as: UTF8.self).replacingOccurrences(of: "-", with: "+")
                .replacingOccurrences(of: "_", with: "/").padding(toLength: (text.count + 3) / 4 * 4, withPad: "=", startingAt: 0))
                .map(Array.init)
        }
        #expect(FuzzProperties.base64URL(Array("QR".utf8), decode: lenient) == "accepted a non-canonical encoding")
        #expect(FuzzProperties.base64URL(Array("QR".utf8)) == nil, "the strict decoder refuses QR")
        #expect(FuzzProperties.agrees(.integer(1), NSNumber(value: 2)) == false)
        #expect(FuzzProperties.agrees(.string("a"), "b") == false)
        #expect(FuzzProperties.hasDuplicateNames(.object(JSONObject([.init(key: "a", value: .null), .init(key: "a", value: .null)]))))
        #expect(FuzzProperties.depth(.array([.array([.array([])])])) == 3)
    }
}
