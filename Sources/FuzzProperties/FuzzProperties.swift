import ConnectCore
import RedisProtocol
import Crypto
import Foundation

/// What must hold for any input to the parsers an attacker reaches. Each property returns
/// `nil` when it holds, or a sentence saying how it failed.
///
/// One target, two users: the fuzzer under `Fuzz/` (it crashes on a violation so libFuzzer
/// keeps the input) and `FuzzRegressionTests`, which replays every input the fuzzers ever
/// saved, without the fuzzer. Only public API is used, so what is fuzzed is what ships.
public enum FuzzProperties {
    /// Every target, by the name `scripts/fuzz.sh`, `Fuzz/Corpus/` and
    /// `Tests/Fixtures/fuzz-regressions/` use: the one list of them.
    public static let all: [String: @Sendable ([UInt8]) -> String?] = [
        "base64url": { base64URL($0) }, "json": strictJSON, "token": token, "lifecycle": lifecyclePayload,
        "canonical": canonicalRequest, "sanitized": sanitized, "resp": resp, "path": normalizedPath,
    ]

    /// Strict base64url accepts exactly the canonical encodings: what it decodes encodes back
    /// to the same text, and every byte string's encoding decodes back to it.
    /// `decode` is the decoder under test: `FuzzRegressionTests` passes a lenient one to show
    /// that the property notices.
    public static func base64URL(_ input: [UInt8], decode: ([UInt8]) -> [UInt8]? = { Base64URL.decode($0) }) -> String? {
        if let decoded = decode(input), Array(Base64URL.encode(decoded).utf8) != input {
            return "accepted a non-canonical encoding"
        }
        guard decode(Array(Base64URL.encode(input).utf8)) == input else { return "encode then decode changed the bytes" }
        return nil
    }

    /// The strict parser never crashes, refuses what it must (duplicate names, too deep), and
    /// agrees with Foundation's JSONSerialization on every document both accept.
    public static func strictJSON(_ input: [UInt8]) -> String? {
        let parsed: JSONValue
        do {
            parsed = try StrictJSONParser(maxDepth: 16).parse(input)
        } catch {
            return nil
        }
        if depth(parsed) > 16 { return "accepted nesting deeper than the limit" }
        if hasDuplicateNames(parsed) { return "accepted an object with a duplicate name" }
        guard let foundation = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed]) else { return nil }
        return agrees(parsed, foundation) ? nil : "disagrees with JSONSerialization on \(String(decoding: input.prefix(200), as: UTF8.self))"
    }

    static let tokenSecret = SharedSecret("fuzz-secret-0123456789abcdefghijklmnop")
    static let tokenRequest = CanonicalRequest(method: "GET", url: "/pages/x?a=1")

    /// Decoding and verifying never crash, and a token that verifies is one the signer could
    /// have produced: its signature is the HMAC of its signing input under the secret.
    public static func token(_ input: [UInt8]) -> String? {
        let text = String(decoding: input, as: UTF8.self)
        let report = ConnectTokenVerifier().verify(text, expecting: TokenExpectation(request: tokenRequest),
                                                   now: 1_700_000_000) { _ in .found(.sharedSecret(tokenSecret), source: "fuzz") }
        guard report.valid else { return nil }
        guard let decoded = try? ConnectToken.decode(text) else { return "verified a token that does not decode" }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: decoded.signingInput, using: SymmetricKey(data: tokenSecret.bytes)))
        return decoded.signature == expected ? nil : "verified a token whose signature is not the secret's HMAC of its signing input"
    }

    /// Lifecycle payloads never crash the parser, and an accepted one makes a tenant that says
    /// what the payload said: the same clientKey and secret, and extra fields whose text reads
    /// back as the same JSON. (`FuzzRegressionTests` also takes each saved input through the
    /// store's row shape, which needs the store and so is not fuzzed here.)
    public static func lifecyclePayload(_ input: [UInt8]) -> String? {
        guard let payload = try? LifecyclePayload.parse(input, expected: .installed), let secret = payload.sharedSecret else { return nil }
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        let tenant = payload.tenant(secret: secret, installedAt: at, now: at)
        guard tenant.clientKey == payload.clientKey, tenant.secretFingerprint == secret.fingerprint else {
            return "an accepted payload's tenant has another clientKey or secret"
        }
        guard let extra = try? StrictJSONParser(maxDepth: 64).parse(Array(tenant.extraJSON.utf8)) else {
            return "an accepted payload's extra fields are not JSON"
        }
        return extra.jsonText(sortedKeys: true) == tenant.extraJSON ? nil : "an accepted payload's extra fields read back as other JSON"
    }

    /// The canonical request never crashes and is a fixed point: canonicalising the canonical
    /// form again, read as the request it stands for, changes nothing.
    public static func canonicalRequest(_ input: [UInt8]) -> String? {
        let text = String(decoding: input, as: UTF8.self)
        let split = text.split(separator: " ", maxSplits: 1)
        let method = split.count == 2 ? String(split[0]) : "GET"
        let url = split.count == 2 ? String(split[1]) : text
        let once = CanonicalRequest(method: method, url: url)
        // In the canonical query a raw ',' joins the values of a repeated parameter (a ',' in
        // a value is encoded): read back, `a=1,2` is `a=1&a=2`.
        let expanded = once.query.split(separator: "&").flatMap { pair -> [String] in
            guard let equals = pair.firstIndex(of: "=") else { return [String(pair)] }
            let name = pair[..<equals]
            return pair[pair.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false).map { "\(name)=\($0)" }
        }.joined(separator: "&")
        // Atlassian's canonical path drops one trailing '/', so a path sent with two keeps one:
        // read back, it is given the '/' canonicalisation takes away.
        let path = once.path.count > 1 && once.path.hasSuffix("/") ? once.path + "/" : once.path
        let twice = CanonicalRequest(method: once.method, rawPath: Substring(path), rawQuery: expanded.isEmpty ? nil : Substring(expanded))
        guard once == twice else { return "not a fixed point: \(once.text) became \(twice.text)" }
        return once.queryStringHash == CanonicalRequest.hash(once.text) ? nil : "the qsh of the parts is not the hash of the text"
    }

    /// What the console shows of any bytes has no C0 or C1 control (ESC included), no DEL,
    /// and no bidi override or isolate.
    public static func sanitized(_ input: [UInt8]) -> String? {
        terminalHazard(in: Sanitized.escape(String(decoding: input, as: UTF8.self)))
    }

    /// The first scalar in `text` a terminal would act on rather than show, named.
    public static func terminalHazard(in text: String) -> String? {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F: return "a control character U+\(String(scalar.value, radix: 16)) got through"
            case 0x202A...0x202E, 0x2066...0x2069: return "a bidi override U+\(String(scalar.value, radix: 16)) got through"
            default: continue
            }
        }
        return nil
    }

    /// The RESP2 reader never crashes or reads past its input, and a reply it read, written
    /// back in RESP, reads back the same.
    public static func resp(_ input: [UInt8]) -> String? {
        guard let (value, end) = try? RESPValue.parse(input) else { return nil }
        guard end <= input.count else { return "read past the input" }
        let written = encode(value)
        guard let (again, length) = try? RESPValue.parse(written), again == value, length == written.count else {
            return "a reply written back in RESP does not read back the same"
        }
        return nil
    }

    /// A request path the sidecar accepts is in normal form (a `/` first, no empty, `.` or `..`
    /// segment, no `;` parameter, no byte a server could read as a separator or a control) and a
    /// fixed point: normalizing it again changes nothing.
    public static func normalizedPath(_ input: [UInt8]) -> String? {
        let text = String(decoding: input, as: UTF8.self)
        guard let path = try? NormalizedPath(text[...]).value else { return nil }
        guard path.hasPrefix("/") else { return "\(path) does not start with /" }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if segments.dropLast().contains(where: { $0.isEmpty }) { return "\(path) has an empty segment" }
        if segments.contains(where: { $0 == "." || $0 == ".." }) { return "\(path) has a dot segment" }
        if path.contains(";") || path.contains("\\") { return "\(path) has a ; or a \\" }
        if path.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) { return "\(path) has a control, space or non-ASCII byte" }
        if path.lowercased().contains("%2f") || path.lowercased().contains("%5c") || path.contains("%00") { return "\(path) keeps an encoded separator or NUL" }
        guard let again = try? NormalizedPath(path[...]).value else { return "\(path) is refused when normalized again" }
        return again == path ? nil : "not a fixed point: \(path) became \(again)"
    }

    // MARK: - Helpers

    public static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let items): return 1 + (items.map(depth).max() ?? 0)
        case .object(let object): return 1 + (object.members.map { depth($0.value) }.max() ?? 0)
        default: return 0
        }
    }

    public static func hasDuplicateNames(_ value: JSONValue) -> Bool {
        switch value {
        case .array(let items): return items.contains(where: hasDuplicateNames)
        case .object(let object):
            return Set(object.keys).count != object.keys.count || object.members.contains { hasDuplicateNames($0.value) }
        default: return false
        }
    }

    /// The same document as JSONSerialization read it.
    public static func agrees(_ value: JSONValue, _ other: Any) -> Bool {
        switch value {
        case .null: return other is NSNull
        case .bool(let bool): return (other as? NSNumber)?.boolValue == bool
        case .integer(let integer): return (other as? NSNumber).map { $0.int64Value == integer || close($0.doubleValue, Double(integer)) } ?? false
        case .number(let number): return (other as? NSNumber).map { close($0.doubleValue, number) } ?? false
        case .string(let string): return (other as? String) == string
        case .array(let items):
            guard let array = other as? [Any], array.count == items.count else { return false }
            return zip(items, array).allSatisfy { agrees($0, $1) }
        case .object(let object):
            guard let dictionary = other as? [String: Any], dictionary.count == object.members.count else { return false }
            return object.members.allSatisfy { member in dictionary[member.key].map { agrees(member.value, $0) } ?? false }
        }
    }

    /// Equal, or within rounding: Foundation reads numbers beyond a double's exact range
    /// through `Decimal`, which rounds differently from a correctly rounded parse.
    public static func close(_ lhs: Double, _ rhs: Double) -> Bool {
        lhs == rhs || abs(lhs - rhs) <= max(abs(lhs), abs(rhs)) * 1e-12
    }

    public static func encode(_ value: RESPValue) -> [UInt8] {
        switch value {
        case .simple(let line): return Array("+\(line)\r\n".utf8)
        case .error(let line): return Array("-\(line)\r\n".utf8)
        case .integer(let integer): return Array(":\(integer)\r\n".utf8)
        case .bulk(nil): return Array("$-1\r\n".utf8)
        case .bulk(let bytes?): return Array("$\(bytes.count)\r\n".utf8) + bytes + [13, 10]
        case .array(nil): return Array("*-1\r\n".utf8)
        case .array(let items?): return Array("*\(items.count)\r\n".utf8) + items.flatMap(encode)
        }
    }
}
