import ConnectCore
/// Rows back into domain values. A row that does not decode means the store was edited by
/// hand or is damaged: that is reported as an unreadable store, never a crash.
enum StoreRows {
    static func tenant(_ row: SQLRow, keyRing: SecretKeyRing) throws(StoreError) -> Tenant {
        guard let clientKey = row.text("client_key"), let addonKey = row.text("addon_key"), let baseUrl = row.text("base_url"),
              let productType = row.text("product_type"), let secret = row.text("shared_secret"),
              let fingerprint = row.text("secret_fingerprint"),
              let stateText = row.text("state"), let state = TenantState(rawValue: stateText),
              let installedAt = row.integer("installed_at"), let updatedAt = row.integer("updated_at") else {
            throw damaged("tenant", row)
        }
        return Tenant(
            clientKey: clientKey, addonKey: addonKey, baseUrl: baseUrl, displayUrl: row.text("display_url"),
            productType: productType, description: row.text("description") ?? "", serverVersion: row.text("server_version"),
            pluginsVersion: row.text("plugins_version"), serviceEntitlementNumber: row.text("service_entitlement_number"),
            oauthClientId: row.text("oauth_client_id"), cloudId: row.text("cloud_id"), installationId: row.text("installation_id"),
            secret: keyRing.open(secret, clientKey: clientKey, fingerprint: fingerprint), state: state, installedAt: StoreTime.date(installedAt),
            updatedAt: StoreTime.date(updatedAt), extraJSON: row.text("extra_json") ?? "{}")
    }

    static func event(_ row: SQLRow) throws(StoreError) -> InstallEvent {
        guard let id = row.integer("id"), let at = row.integer("at"), let node = row.text("node"),
              let clientKey = row.text("client_key"),
              let type = row.text("event_type").flatMap(InstallEvent.EventType.init(rawValue:)),
              let outcome = row.text("outcome").flatMap(InstallEvent.Outcome.init(rawValue:)),
              let auth = row.text("auth") else {
            throw damaged("install_event", row)
        }
        return InstallEvent(
            id: id, at: StoreTime.date(at), node: node, clientKey: clientKey, eventType: type, outcome: outcome,
            reason: row.text("reason").flatMap(ReasonCode.init(rawValue:)), auth: auth,
            fingerprintBefore: row.text("fingerprint_before"), fingerprintAfter: row.text("fingerprint_after"),
            baseUrl: row.text("base_url"), remoteAddress: row.text("remote_address"), detail: row.text("detail") ?? "",
            count: Int(row.integer("count") ?? 1), upstreamStatus: row.integer("upstream_status").map(Int.init),
            forwarded: row.integer("forwarded").map { $0 != 0 })
    }

    static func failure(_ row: SQLRow) throws(StoreError) -> AuthFailure {
        guard let id = row.integer("id"), let at = row.integer("at"), let node = row.text("node"),
              let reason = row.text("reason").flatMap(ReasonCode.init(rawValue:)),
              let method = row.text("method"), let path = row.text("path") else {
            throw damaged("auth_failure", row)
        }
        return AuthFailure(
            id: id, at: StoreTime.date(at), node: node, clientKey: row.text("client_key"), reason: reason,
            detail: row.text("detail") ?? "", method: method, path: path, remoteAddress: row.text("remote_address"),
            userAgent: row.text("user_agent"), tokenFingerprint: row.text("token_fingerprint"), alg: row.text("alg"),
            kid: row.text("kid"), exp: row.integer("exp"), iat: row.integer("iat"), count: Int(row.integer("count") ?? 1))
    }

    static func secret(_ row: SQLRow, keyRing: SecretKeyRing) throws(StoreError) -> SecretHistoryEntry {
        guard let clientKey = row.text("client_key"), let secret = row.text("shared_secret"), let fingerprint = row.text("fingerprint"),
              let from = row.integer("current_from") else {
            throw damaged("tenant_secret", row)
        }
        return SecretHistoryEntry(clientKey: clientKey, secret: keyRing.open(secret, clientKey: clientKey, fingerprint: fingerprint), currentFrom: StoreTime.date(from),
                                  currentUntil: row.integer("current_until").map(StoreTime.date))
    }

    static func damaged(_ table: String, _ row: SQLRow) -> StoreError {
        let id = row.integer("id").map { " (id \($0))" } ?? row.text("client_key").map { " (\(Sanitized.quote($0)))" } ?? ""
        return StoreError(.unreadable, "a \(table) row\(id) has missing or invalid values: the store was modified outside ConnectAdmin")
    }
}
