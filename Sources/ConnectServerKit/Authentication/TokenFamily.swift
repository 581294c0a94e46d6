/// A family of tokens the request pipeline checks, each by one `RequestTokenVerifier`: the
/// name the access log and the request context give it.
public enum TokenFamily: String, Sendable {
    /// Connect's HS256 JWTs signed with a tenant's shared secret (context, session and
    /// `X-acpt` tokens included).
    case connect
}
