import AdminCore
import ConnectCore
import Foundation
import Testing

/// Atlassian's 78 cross-language vectors (`Tests/Fixtures/vectors`, copied from atlassian-jwt-js), each checked three ways.
@Suite struct InteropVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let canonicalUrl: String
        let signedUrl: String
        var testDescription: String { name }
    }

    static let file = TestSupport.fixtures.appendingPathComponent("vectors/connect-jwt-interop-2016.json")

    static func load() throws -> (secret: String, vectors: [Vector]) {
        let data = try Data(contentsOf: file)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let secret = root["secret"] as? String,
              let tests = root["tests"] as? [[String: String]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return (secret, tests.compactMap { test in
            guard let name = test["name"], let canonical = test["canonicalUrl"], let signed = test["signedUrl"] else { return nil }
            return Vector(name: name, canonicalUrl: canonical, signedUrl: signed)
        })
    }

    static let loaded: (secret: String, vectors: [Vector]) = (try? load()) ?? ("", [])

    @Test func fileHasAll78Vectors() throws {
        let (_, vectors) = try Self.load()
        #expect(vectors.count == 78)
    }

    @Test(arguments: loaded.vectors)
    func vector(_ vector: Vector) throws {
        let secret = SharedSecret(Self.loaded.secret)
        // The token is the last `jwt=` parameter of the signed URL.
        let query = try #require(vector.signedUrl.split(separator: "?", maxSplits: 1).last)
        let jwtParameter = try #require(query.split(separator: "&").first { $0.hasPrefix("jwt=") })
        let token = String(jwtParameter.dropFirst(4))

        // 1. Our canonical request equals the vector's.
        let canonical = CanonicalRequest(method: "GET", url: vector.signedUrl)
        #expect(canonical.text == vector.canonicalUrl)

        // 2. Our qsh equals the token's qsh.
        let decoded = try ConnectToken.decode(token)
        #expect(canonical.queryStringHash == decoded.queryStringHash)

        // 3. The token verifies with the file's secret, on a clock inside its validity.
        let iat = try #require({ if case .integer(let v)? = decoded.claims["iat"] { return v } else { return nil } }())
        let verifier = ConnectTokenVerifier(minimumSecretBytes: 32)
        let report = verifier.verify(decoded, expecting: TokenExpectation(request: canonical), now: iat + 1,
                                     key: .found(.sharedSecret(secret), source: "vector secret"))
        #expect(report.valid, "\(report.failures)")
    }
}
