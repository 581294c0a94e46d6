/// The key lookup for a request token, from the tenant row: the rule the server applies and
/// the token lab explains. Uninstalled and disabled tenants are refused, but their secret is
/// still checked so an operator learns whether the token was genuine.
public enum TenantKeyLookup {
    public static func lookup(_ tenant: Tenant?, clientKey: String) -> KeyLookup {
        guard let tenant else {
            return .unavailable(.unknownIssuer, "no tenant \(Sanitized.quote(clientKey)) is installed")
        }
        let key: SigningKey
        do {
            key = .sharedSecret(try tenant.sharedSecret)
        } catch {
            return .unavailable(.secretUnavailable, error.message)
        }
        switch tenant.state {
        case .uninstalled:
            return .refused(.tenantUninstalled, "tenant \(Sanitized.quote(clientKey)) uninstalled the app", key: key)
        case .disabled:
            return .refused(.tenantDisabled, "tenant \(Sanitized.quote(clientKey)) has disabled the app", key: key)
        case .installed, .enabled:
            return .found(key, source: .tenant(clientKey: clientKey, fingerprint: tenant.secretFingerprint))
        }
    }
}
