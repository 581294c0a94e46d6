/// The kinds of token an operator meets around a Connect app, each with rules of its own.
public enum TokenKind: String, Sendable, CaseIterable, Codable {
    /// Host → app: `iss` is the tenant's clientKey (it finds the key), `qsh` binds the app's
    /// request (or is `context-qsh` where a route allows it).
    case request
    /// App → host: `iss` is the app key, `qsh` binds the host request; no `aud` needed.
    case outbound
    /// The OAuth 2.0 JWT-bearer assertion an app signs to act as a user: no `qsh`, `iss` the
    /// tenant's oauthClientId as a URN, `sub` the user, `tnt` the site, a short lifetime.
    case user

    /// The kind a token looks like, for when nobody said: a user assertion by its `iss` URN,
    /// an outbound token by `iss` being the app key, a request token otherwise.
    public static func guess(_ token: ConnectToken, appKey: String?) -> TokenKind {
        guard let issuer = token.issuer else { return .request }
        if issuer.hasPrefix(UserAssertion.issuerPrefix) { return .user }
        if let appKey, BytewiseKey.same(issuer, appKey) { return .outbound }
        return .request
    }
}
