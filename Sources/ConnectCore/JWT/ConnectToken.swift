import Crypto
import Foundation

/// A compact JWS whose structure has been checked: three canonical base64url segments, a
/// header and a claims set that are strict JSON objects.
///
/// Nothing here is trusted yet: decoding only makes the token safe to *look at*. The
/// verifier decides whether to believe it.
public struct ConnectToken: Sendable {
    public let header: JSONObject
    public let claims: JSONObject
    /// `base64url(header) "." base64url(claims)`: what the signature covers, byte for byte.
    public let signingInput: [UInt8]
    public let signature: [UInt8]
    /// The token text as received.
    let text: String

    /// SHA-256 of the whole token text, 16 hex digits: what logs and the store keep instead
    /// of the token. Computed on demand: a valid request never needs it.
    public var fingerprint: String { ConnectToken.fingerprint(of: text) }

    /// Hard limits checked before any decoding work, so hostile input costs almost nothing.
    public struct Limits: Sendable {
        public var maxTokenBytes: Int
        public var maxJSONDepth: Int

        public init(maxTokenBytes: Int = 8 * 1024, maxJSONDepth: Int = 16) {
            self.maxTokenBytes = maxTokenBytes
            self.maxJSONDepth = maxJSONDepth
        }
    }

    /// Decodes `text`, or says which reason code rejects it.
    public static func decode(_ text: String, limits: Limits = Limits()) throws(ConnectAuthError) -> ConnectToken {
        let count = text.utf8.count
        guard count <= limits.maxTokenBytes else {
            throw ConnectAuthError(.tokenTooLarge, "token is \(count) bytes; the limit is \(limits.maxTokenBytes)")
        }
        guard count > 0 else { throw ConnectAuthError(.missingToken, "token is empty") }
        // The text's own UTF-8 storage, not a copy of it: this runs on every request.
        var storage = text
        return try storage.withUTF8 { bytes in
            Result { () throws(ConnectAuthError) -> ConnectToken in try decode(bytes, text: text, limits: limits) }
        }.get()
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, text: String, limits: Limits) throws(ConnectAuthError) -> ConnectToken {
        guard let firstDot = dot(in: bytes, from: 0), let secondDot = dot(in: bytes, from: firstDot + 1) else {
            let segments = dot(in: bytes, from: 0) == nil ? 1 : 2
            throw ConnectAuthError(.malformedToken, "token has \(segments) segment\(segments == 1 ? "" : "s"); a JWS has 3 separated by '.'")
        }
        guard dot(in: bytes, from: secondDot + 1) == nil else {
            throw ConnectAuthError(.malformedToken, "token has more than 3 segments; a JWS has 3 separated by '.'")
        }
        let header = try decodeObject(bytes[0..<firstDot], part: "header", limits: limits)
        let claims = try decodeObject(bytes[(firstDot + 1)..<secondDot], part: "claims", limits: limits)
        let signatureText = UnsafeBufferPointer(rebasing: bytes[(secondDot + 1)...])
        // An empty signature (an `alg: none` token) decodes; the verifier refuses it with the
        // more telling reason, unsupported_algorithm.
        guard let signature = signatureText.isEmpty ? [] : Base64URL.decode(signatureText) else {
            throw ConnectAuthError(.malformedToken, "signature segment \(Base64URL.problem(Array(signatureText)[...]) ?? "is not base64url")")
        }
        return ConnectToken(header: header, claims: claims, signingInput: Array(bytes[0..<secondDot]),
                            signature: signature, text: text)
    }

    /// The fingerprint of a token's text: first 16 hex digits of its SHA-256. Also used for
    /// tokens too broken to decode, so that every failure can be counted and de-duplicated.
    public static func fingerprint(of token: String) -> String {
        String(Hex.encode(SHA256.hash(data: Array(token.utf8))).prefix(16))
    }

    /// The index of the first '.' at or after `start` (memchr: the token is scanned three times).
    private static func dot(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count,
              let found = memchr(base + start, Int32(UInt8(ascii: ".")), bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    private static func decodeObject(_ segment: Slice<UnsafeBufferPointer<UInt8>>, part: String, limits: Limits) throws(ConnectAuthError) -> JSONObject {
        guard !segment.isEmpty else { throw ConnectAuthError(.malformedToken, "\(part) segment is empty") }
        guard let json = Base64URL.decode(UnsafeBufferPointer(rebasing: segment)) else {
            throw ConnectAuthError(.malformedToken, "\(part) segment \(Base64URL.problem(Array(segment)[...]) ?? "is not base64url")")
        }
        let value: JSONValue
        do {
            value = try StrictJSONParser(maxDepth: limits.maxJSONDepth).parse(json)
        } catch {
            throw ConnectAuthError(.malformedToken, "\(part) is not valid JSON: \(error.description)")
        }
        guard case .object(let object) = value else {
            throw ConnectAuthError(.malformedToken, "\(part) is \(value.typeName), not a JSON object")
        }
        return object
    }
}

extension ConnectToken {
    /// The `alg` header value when it is a string.
    public var algorithm: String? { header["alg"]?.stringValue }
    public var keyID: String? { header["kid"]?.stringValue }
    public var issuer: String? { claims["iss"]?.stringValue }
    public var queryStringHash: String? { claims["qsh"]?.stringValue }

    /// The first `aud` entry (a string, or the first string of an array), if any.
    public var firstAudience: String? {
        switch claims["aud"] {
        case .string(let value)?: return value
        case .array(let values)?: return values.first?.stringValue
        default: return nil
        }
    }

    /// The clientKey this token speaks for: `aud` when present (tokens the app issued, whose
    /// `iss` is the app key), else `iss` (tokens the host issued), as atlassian-connect-express
    /// resolves it.
    public var tenantKey: String? { firstAudience ?? issuer }
}
