import Foundation
/// The JSON body of a lifecycle callback, validated before anything is decided about it.
///
/// Validation is strict because the payload becomes a stored tenant: required fields and
/// their types, URL shapes, lengths, no control characters in keys, and a size limit.
/// Fields this version does not model are kept (without the secret) as `extra`.
public struct LifecyclePayload: Sendable, Equatable {
    public var eventType: InstallEvent.EventType
    public var key: String
    public var clientKey: String
    public var sharedSecret: SharedSecret?
    public var baseUrl: String
    public var displayUrl: String?
    public var productType: String
    public var description: String
    public var serverVersion: String?
    public var pluginsVersion: String?
    public var serviceEntitlementNumber: String?
    public var oauthClientId: String?
    public var cloudId: String?
    public var installationId: String?
    public var extra: JSONObject

    /// The largest body accepted: real payloads are well under 4 KiB.
    public static let maxBytes = 64 * 1024

    static let modelled: Set<String> = [
        "eventType", "key", "clientKey", "sharedSecret", "baseUrl", "displayUrl", "productType", "description",
        "serverVersion", "pluginsVersion", "serviceEntitlementNumber", "oauthClientId", "cloudId", "installationId",
    ]

    /// Parses and validates a callback body; `expected` is the event the route is for.
    public static func parse(_ body: [UInt8], expected: InstallEvent.EventType) throws(ConnectAuthError) -> LifecyclePayload {
        guard body.count <= maxBytes else {
            throw invalid("payload is \(body.count) bytes; the limit is \(maxBytes)")
        }
        let json: JSONValue
        do {
            json = try StrictJSONParser(maxDepth: 16).parse(body)
        } catch {
            throw invalid("payload is not valid JSON: \(error.description)")
        }
        guard case .object(let object) = json else { throw invalid("payload is \(json.typeName), not a JSON object") }

        func string(_ name: String, required: Bool, maxLength: Int = 2048) throws(ConnectAuthError) -> String? {
            switch object[name] {
            case nil, .null?:
                if required { throw invalid("payload has no \(name)") }
                return nil
            case .string(let value)?:
                guard !(required && value.isEmpty) else { throw invalid("\(name) is empty") }
                guard value.utf8.count <= maxLength else { throw invalid("\(name) is longer than \(maxLength) bytes") }
                return value
            case let other?:
                throw invalid("\(name) is \(other.typeName), not a string")
            }
        }

        guard let eventText = try string("eventType", required: true), let eventType = InstallEvent.EventType(rawValue: eventText) else {
            throw invalid("eventType is not installed, uninstalled, enabled or disabled")
        }
        guard eventType == expected else {
            throw invalid("eventType \(Sanitized.quote(eventText)) was sent to the \(expected.rawValue) callback")
        }
        let clientKey = try string("clientKey", required: true, maxLength: 256) ?? ""
        guard !clientKey.unicodeScalars.contains(where: { Sanitized.isControl($0) || $0 == " " }) else {
            throw invalid("clientKey contains spaces or control characters")
        }
        let baseUrl = try string("baseUrl", required: true) ?? ""
        guard isWebURL(baseUrl) else { throw invalid("baseUrl \(Sanitized.quote(baseUrl)) is not an http(s) URL with a host") }
        let displayUrl = try string("displayUrl", required: false)
        if let displayUrl, !isWebURL(displayUrl) { throw invalid("displayUrl \(Sanitized.quote(displayUrl)) is not an http(s) URL") }
        let secretText = try string("sharedSecret", required: eventType == .installed, maxLength: 512)
        // Stored as it came, it would read as sealed at rest under a key id nobody has.
        if let secretText, SealedValue.looksSealed(secretText) {
            throw invalid("sharedSecret starts with \(SealedValue.prefix), the form of a secret sealed at rest, which a host's secret never has")
        }

        var extra = JSONObject()
        for member in object.members where !modelled.contains(member.key) { extra.members.append(member) }
        return LifecyclePayload(
            eventType: eventType, key: try string("key", required: true, maxLength: 256) ?? "", clientKey: clientKey,
            sharedSecret: secretText.map(SharedSecret.init), baseUrl: baseUrl, displayUrl: displayUrl,
            productType: try string("productType", required: true, maxLength: 64) ?? "",
            description: try string("description", required: false) ?? "",
            serverVersion: try string("serverVersion", required: false, maxLength: 64),
            pluginsVersion: try string("pluginsVersion", required: false, maxLength: 64),
            serviceEntitlementNumber: try string("serviceEntitlementNumber", required: false, maxLength: 128),
            oauthClientId: try string("oauthClientId", required: false, maxLength: 256),
            cloudId: try string("cloudId", required: false, maxLength: 256),
            installationId: try string("installationId", required: false, maxLength: 512),
            extra: extra)
    }

    /// The tenant an accepted `installed` callback with this payload stores: every field from
    /// the payload, the given secret, installed at `installedAt` (the first install's time on
    /// a reinstall) and updated `now`.
    public func tenant(secret: SharedSecret, installedAt: Date, now: Date) -> Tenant {
        Tenant(clientKey: clientKey, addonKey: key, baseUrl: baseUrl, displayUrl: displayUrl,
               productType: productType, description: description, serverVersion: serverVersion,
               pluginsVersion: pluginsVersion, serviceEntitlementNumber: serviceEntitlementNumber,
               oauthClientId: oauthClientId, cloudId: cloudId, installationId: installationId,
               secret: .open(secret), state: .installed, installedAt: installedAt, updatedAt: now,
               extraJSON: JSONValue.object(extra).jsonText(sortedKeys: true))
    }

    static func invalid(_ detail: String) -> ConnectAuthError {
        ConnectAuthError(.invalidLifecyclePayload, detail)
    }

    /// `http(s)://host[:port][/path]`, no spaces or control characters.
    static func isWebURL(_ text: String) -> Bool {
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { return false }
        guard !text.unicodeScalars.contains(where: { Sanitized.isControl($0) || $0 == " " }) else { return false }
        let rest = text.drop { $0 != "/" }.dropFirst(2)
        let host = rest.prefix { $0 != "/" && $0 != ":" && $0 != "?" && $0 != "#" }
        return !host.isEmpty
    }
}
