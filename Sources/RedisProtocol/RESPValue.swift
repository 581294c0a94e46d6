/// A Redis reply in RESP2 (the protocol every Redis since 2.0 speaks), and its parser.
public enum RESPValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int64)
    /// `nil`: the null bulk string (a missing key).
    case bulk([UInt8]?)
    case array([RESPValue]?)

    /// The largest bulk string accepted from a server (a clientInfo is a few KiB).
    public static let maxBulk = 16 * 1024 * 1024

    public struct Malformed: Error {}

    /// One reply from the start of `bytes` and the bytes it took; `nil` when more must be read.
    public static func parse(_ bytes: [UInt8], from start: Int = 0, depth: Int = 0) throws(Malformed) -> (RESPValue, Int)? {
        guard start < bytes.count else { return nil }
        guard depth < 8 else { throw Malformed() }
        guard let lineEnd = lineEnd(bytes, from: start + 1) else { return nil }
        let line = String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)
        let next = lineEnd + 2
        switch bytes[start] {
        case UInt8(ascii: "+"): return (.simple(line), next)
        case UInt8(ascii: "-"): return (.error(line), next)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw Malformed() }
            return (.integer(value), next)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maxBulk else { throw Malformed() }
            if length == -1 { return (.bulk(nil), next) }
            guard bytes.count >= next + length + 2 else { return nil }
            return (.bulk(Array(bytes[next..<(next + length)])), next + length + 2)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1, count <= 1_000_000 else { throw Malformed() }
            if count == -1 { return (.array(nil), next) }
            var elements: [RESPValue] = []
            var offset = next
            for _ in 0..<count {
                guard let (element, end) = try parse(bytes, from: offset, depth: depth + 1) else { return nil }
                elements.append(element)
                offset = end
            }
            return (.array(elements), offset)
        default:
            throw Malformed()
        }
    }

    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// A command as RESP: an array of bulk strings.
    public static func command(_ arguments: [String]) -> [UInt8] {
        var out = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let bytes = Array(argument.utf8)
            out += Array("$\(bytes.count)\r\n".utf8) + bytes + [13, 10]
        }
        return out
    }

    public var text: String? {
        switch self {
        case .simple(let text): return text
        case .bulk(let bytes?): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }
}
