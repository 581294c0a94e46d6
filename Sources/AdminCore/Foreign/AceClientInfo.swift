import Foundation
import ConnectCore

/// atlassian-connect-express's `clientInfo`: the raw `/installed` body it stored, in SQL or in
/// Redis. Read leniently (it is the app's own data, already accepted once), except that a
/// tenant without a sharedSecret is not a tenant ConnectAdmin can do anything with.
enum AceClientInfo {
    static func tenant(clientKey: String, json: String, source: String, installedAt: Date? = nil, updatedAt: Date? = nil)
        -> Result<Tenant, ForeignRowProblem> {
        let info: JSONObject
        do {
            guard case .object(let object) = try StrictJSONParser(maxDepth: 16).parse(Array(json.utf8)) else {
                return .failure(ForeignRowProblem(sentence: "\(source): clientInfo is not a JSON object"))
            }
            info = object
        } catch {
            return .failure(ForeignRowProblem(sentence: "\(source): clientInfo is not JSON (\(error.description))"))
        }
        func text(_ name: String) -> String? { info[name]?.stringValue }
        guard let secret = text("sharedSecret"), !secret.isEmpty else {
            return .failure(ForeignRowProblem(sentence: "\(source) has no sharedSecret"))
        }
        return .success(Tenant(
            clientKey: clientKey, addonKey: text("key") ?? "", baseUrl: text("baseUrl") ?? "", displayUrl: text("displayUrl"),
            productType: text("productType") ?? "", description: text("description") ?? "",
            serverVersion: text("serverVersion"), pluginsVersion: text("pluginsVersion"),
            serviceEntitlementNumber: text("serviceEntitlementNumber"), oauthClientId: text("oauthClientId"),
            cloudId: text("cloudId"), installationId: text("installationId"), secret: .open(SharedSecret(secret)),
            state: .installed, installedAt: installedAt, updatedAt: updatedAt))
    }

    /// Whether `tenant` matches a tenants filter: clientKey, baseUrl or description, like ours.
    static func matches(_ tenant: Tenant, filter: String) -> Bool {
        let needle = filter.lowercased()
        return [tenant.clientKey, tenant.baseUrl, tenant.description].contains { $0.lowercased().contains(needle) }
    }
}
