@testable import AdminCore
import RedisProtocol
@testable import ConnectCore
import Testing

/// The Redis reply parser: whole replies, replies cut anywhere (more must be read), and
/// replies no server should send.
@Suite struct RESPValueTests {
    static let reply = Array("*2\r\n$1\r\n0\r\n*3\r\n$13\r\nk1:clientInfo\r\n$-1\r\n:42\r\n".utf8)

    @Test func parsesNestedRepliesAndNulls() throws {
        let parsed = try #require(try RESPValue.parse(Self.reply))
        #expect(parsed.1 == Self.reply.count)
        #expect(parsed.0 == .array([.bulk(Array("0".utf8)), .array([.bulk(Array("k1:clientInfo".utf8)), .bulk(nil), .integer(42)])]))
        #expect(try RESPValue.parse(Array("+OK\r\n".utf8))?.0 == .simple("OK"))
        #expect(try RESPValue.parse(Array("-NOAUTH Authentication required.\r\n".utf8))?.0 == .error("NOAUTH Authentication required."))
    }

    @Test func aReplyCutAnywhereWaitsForMore() throws {
        for cut in 0..<Self.reply.count {
            #expect(try RESPValue.parse(Array(Self.reply.prefix(cut))) == nil, "cut at \(cut)")
        }
    }

    @Test func malformedRepliesAreRefused() {
        for bad in ["?what\r\n", ":12x\r\n", "$999999999999\r\n", "*-5\r\n", "$-7\r\n"] {
            #expect(throws: RESPValue.Malformed.self) { try RESPValue.parse(Array(bad.utf8)) }
        }
    }

    @Test func commandsAreArraysOfBulkStrings() {
        #expect(RESPValue.command(["GET", "k:clientInfo"]) == Array("*2\r\n$3\r\nGET\r\n$12\r\nk:clientInfo\r\n".utf8))
    }
}
