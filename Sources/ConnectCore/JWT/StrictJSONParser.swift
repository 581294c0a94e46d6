/// A JSON parser for untrusted token segments.
///
/// Why not `JSONSerialization`/`JSONDecoder`: they accept duplicate member names (the last
/// one wins, so a verifier and a logger can read different `iss` values from the same token),
/// have no depth limit that a caller controls, and are the slowest step of request
/// authentication on Linux. This parser is RFC 8259 strict: no trailing commas, no comments,
/// no lone surrogates, valid UTF-8 only, nesting at most `maxDepth`.
public struct StrictJSONParser {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "\(message) at byte \(offset)" }
    }

    public var maxDepth: Int

    public init(maxDepth: Int = 32) {
        self.maxDepth = maxDepth
    }

    public func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> JSONValue in
            var cursor = Cursor(bytes: buffer, maxDepth: maxDepth)
            cursor.skipWhitespace()
            let value = try cursor.parseValue(depth: 1)
            cursor.skipWhitespace()
            guard cursor.index == buffer.count else { throw cursor.failure("unexpected data after the JSON value") }
            return value
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func failure(_ message: String) -> Failure {
            Failure(message: message, offset: index)
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw failure("truncated literal") }
            let start = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw failure("invalid literal")
            }
            index += count
            return value
        }

        mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
            guard let byte = current else { throw failure("unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw failure("unexpected character")
            }
        }

        mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= maxDepth else { throw failure("JSON nested deeper than \(maxDepth) levels") }
            index += 1
            var members: [JSONObject.Member] = []
            members.reserveCapacity(8)  // a token's header or claims: one allocation, not three
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(JSONObject(members))
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let keyOffset = index
                let key = try parseString()
                for member in members where member.key == key {
                    throw Failure(message: "duplicate member name \"\(key)\"", offset: keyOffset)
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                members.append(JSONObject.Member(key: key, value: value))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(JSONObject(members))
                default: throw failure("expected ',' or '}'")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= maxDepth else { throw failure("JSON nested deeper than \(maxDepth) levels") }
            index += 1
            var values: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                skipWhitespace()
                values.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(values)
                default: throw failure("expected ',' or ']'")
                }
            }
        }

        mutating func parseNumber() throws(Failure) -> JSONValue {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { throw failure("invalid number") }
            if first == UInt8(ascii: "0") {
                index += 1
                if let next = current, isDigit(next) { throw failure("number with a leading zero") }
            } else {
                while let next = current, isDigit(next) { index += 1 }
            }
            var isInteger = true
            if current == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard let next = current, isDigit(next) else { throw failure("invalid number") }
                while let next = current, isDigit(next) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let next = current, isDigit(next) else { throw failure("invalid number") }
                while let next = current, isDigit(next) { index += 1 }
            }
            if isInteger, let value = integer(start..<index) { return .integer(value) }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text) else { throw Failure(message: "invalid number", offset: start) }
            return .number(value)
        }

        mutating func parseString() throws(Failure) -> String {
            index += 1  // opening quote
            let start = index
            var ascii = true
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    // ASCII needs no validation; anything else is checked once.
                    let text = ascii ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
                    guard let text else { throw Failure(message: "string is not valid UTF-8", offset: start) }
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw failure("control character in string") }
                ascii = ascii && byte < 0x80
                index += 1
            }
            guard index < bytes.count else { throw failure("unterminated string") }
            // Slow path: unescape into a byte buffer, then validate UTF-8 once.
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else {
                        throw Failure(message: "string is not valid UTF-8", offset: start)
                    }
                    index += 1
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escape = current else { throw failure("unterminated string") }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try parseHex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                                throw failure("lone surrogate in \\u escape")
                            }
                            index += 2
                            let low = try parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw failure("lone surrogate in \\u escape") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw failure("lone surrogate in \\u escape")
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                        out.append(contentsOf: String(unicode).utf8)
                    default: throw failure("invalid escape")
                    }
                default:
                    if byte < 0x20 { throw failure("control character in string") }
                    out.append(byte)
                    index += 1
                }
            }
            throw failure("unterminated string")
        }

        mutating func parseHex4() throws(Failure) -> UInt32 {
            guard bytes.count - index >= 4 else { throw failure("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw failure("invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// The integer in `range` (already validated as `-?digits`), `nil` on overflow.
        func integer(_ range: Range<Int>) -> Int64? {
            var index = range.lowerBound
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: Int64 = 0
            while index < range.upperBound {
                let digit = Int64(bytes[index] - UInt8(ascii: "0"))
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if overflow1 || overflow2 { return nil }
                value = next
                index += 1
            }
            return value
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
