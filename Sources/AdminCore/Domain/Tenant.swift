import Foundation

/// One installation of the app on a Jira/Confluence site, as the store keeps it.
public struct Tenant: Sendable, Equatable {
    public var clientKey: String
    public var addonKey: String
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
    public var sharedSecret: SharedSecret
    public var state: TenantState
    /// When the store recorded the first install and the last change; `nil` when the store
    /// does not keep them (atlassian-connect-express, for one).
    public var installedAt: Date?
    public var updatedAt: Date?
    /// Payload fields this version does not model, as JSON text (never the secret).
    public var extraJSON: String

    public init(clientKey: String, addonKey: String, baseUrl: String, displayUrl: String? = nil, productType: String,
                description: String = "", serverVersion: String? = nil, pluginsVersion: String? = nil,
                serviceEntitlementNumber: String? = nil, oauthClientId: String? = nil, cloudId: String? = nil,
                installationId: String? = nil, sharedSecret: SharedSecret, state: TenantState,
                installedAt: Date?, updatedAt: Date?, extraJSON: String = "{}") {
        self.clientKey = clientKey
        self.addonKey = addonKey
        self.baseUrl = baseUrl
        self.displayUrl = displayUrl
        self.productType = productType
        self.description = description
        self.serverVersion = serverVersion
        self.pluginsVersion = pluginsVersion
        self.serviceEntitlementNumber = serviceEntitlementNumber
        self.oauthClientId = oauthClientId
        self.cloudId = cloudId
        self.installationId = installationId
        self.sharedSecret = sharedSecret
        self.state = state
        self.installedAt = installedAt
        self.updatedAt = updatedAt
        self.extraJSON = extraJSON
    }

    public var secretFingerprint: String { sharedSecret.fingerprint }
}
