/// An http(s) URL that a process will connect to, checked once when it is given: a scheme of
/// `http` or `https`, a host, and a port (when written) from 1 to 65535. Checked at start, so a
/// typo is one sentence and exit 2 instead of a crash on the first request that uses it.
public enum WebAddress {
    /// Why `text` is not such a URL, as a sentence naming `what`; `nil` when it is one.
    public static func problem(_ text: String, what: String) -> String? {
        let lower = text.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lower.hasPrefix($0) }) else {
            return "\(what) \(Sanitized.quote(text)) is not an http(s) URL, e.g. http://127.0.0.1:3000"
        }
        let afterScheme = text.dropFirst(scheme.count)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return "\(what) \(Sanitized.quote(text)) must not carry a user name or password" }
        // `[::1]:8080`, `host:8080`, `host`.
        let host: Substring, port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return "\(what) \(Sanitized.quote(text)) has an unclosed IPv6 address" }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return "\(what) \(Sanitized.quote(text)) has text after its IPv6 address" }
            port = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
            port = nil
        }
        guard !host.isEmpty else { return "\(what) \(Sanitized.quote(text)) has no host" }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber), let number = Int(port), (1...65535).contains(number) else {
                return "\(what) \(Sanitized.quote(text)) has port \(Sanitized.quote(String(port.prefix(20)))): a port is a number from 1 to 65535"
            }
        }
        return nil
    }
}
