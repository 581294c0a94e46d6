import AdminCore
import ConnectCore
import AsyncHTTPClient
@testable import ConnectServerKit
import ConnectTestSupport
import Foundation
import Testing

/// `--trusted-proxy`: X-Forwarded-For is believed only from the listed peers, and the address
/// recorded is then the client's.
@Suite struct TrustedProxiesTests {
    @Test func blocksMatchByPrefix() throws {
        let trusted = try TrustedProxies(["10.0.0.0/8", "192.0.2.7", "fd00::/8"])
        #expect(trusted.contains("10.200.3.4") && trusted.contains("192.0.2.7") && trusted.contains("fd12::1"))
        #expect(!trusted.contains("11.0.0.1") && !trusted.contains("192.0.2.8") && !trusted.contains("fe80::1") && !trusted.contains(nil))
        #expect(!trusted.contains("not an address"))
        #expect(try TrustedProxies(["0.0.0.0/0"]).contains("203.0.113.9"))
        #expect(try TrustedProxies(["192.0.2.128/25"]).contains("192.0.2.200") && !(try TrustedProxies(["192.0.2.128/25"]).contains("192.0.2.100")))
        for bad in ["10.0.0.0/33", "example.com", "10.0.0/8", "::1/129", ""] {
            #expect(throws: TrustedProxies.Invalid.self, "\(bad)") { try TrustedProxies([bad]) }
        }
    }

    @Test func theClientIsTheRightmostUntrustedHop() throws {
        let trusted = try TrustedProxies(["10.0.0.0/8"])
        #expect(trusted.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.9, 10.0.0.7"]) == "203.0.113.9")
        // A client cannot choose its recorded address by sending the header itself.
        #expect(trusted.client(peer: "198.51.100.4", forwardedFor: ["203.0.113.9"]) == "198.51.100.4")
        // Spoofed entries left of the real client are not believed.
        #expect(trusted.client(peer: "10.0.0.5", forwardedFor: ["1.2.3.4", "203.0.113.9"]) == "203.0.113.9")
        #expect(trusted.client(peer: "10.0.0.5", forwardedFor: []) == "10.0.0.5")
        #expect(trusted.client(peer: "10.0.0.5", forwardedFor: ["garbage"]) == "10.0.0.5")
    }

    /// End to end: a refused request through a trusted proxy is recorded with the client's
    /// address; the same header from anyone else is ignored.
    @Test func failuresRecordTheClientBehindATrustedProxy() async throws {
        for (proxies, recorded) in [(["127.0.0.1"], "203.0.113.9"), (["10.0.0.0/8"], "127.0.0.1")] {
            let harness = try await ServerHarness.start(location: try await TestStoreBackend.sqlite.freshLocation()) { configuration in
                configuration.trustedProxies = (try? TrustedProxies(proxies)) ?? .none
            }
            let result = try await harness.send(.POST, "/api/echo", token: "not.a.token", body: [1], headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(result.status == 401)
            await harness.flushFailures()
            let failure = try #require(try await harness.store.failures(FailureQuery(limit: 1)).first)
            #expect(failure.remoteAddress == recorded, "\(proxies)")
            await harness.stop()
        }
    }
}
