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
    /// The secret as the store gave it: open, or sealed under a key not held here.
    public var secret: StoredSecret
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
                installationId: String? = nil, secret: StoredSecret, state: TenantState,
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
        self.secret = secret
        self.state = state
        self.installedAt = installedAt
        self.updatedAt = updatedAt
        self.extraJSON = extraJSON
    }

    /// Kept in clear beside a sealed secret, so it is known without the key.
    public var secretFingerprint: String { secret.fingerprint }

    /// The secret itself, for signing, verifying or revealing; throws when it is sealed
    /// under a key not in the ring (or tampered), with the sentence that says which.
    public var sharedSecret: SharedSecret {
        get throws(SecretUnavailable) { try secret.opened() }
    }
}
