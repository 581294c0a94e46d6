import AdminCore
import CommandLineSupport
import ConnectCore
import ArgumentParser

/// `--method`, `--url` and `--base-url`: the request a token is (or must be) bound to.
struct RequestOptions: ParsableArguments {
    @Option(help: "HTTP method of the request, e.g. GET.")
    var method: String?

    @Option(help: "The request: an absolute URL or a path with its query, e.g. '/rest/api/3/issue?expand=names'.")
    var url: String?

    @Option(name: .customLong("base-url"), help: "The app's base URL; its path is stripped from --url first, as the host does.")
    var baseURL: String?

    /// The canonical request, `nil` when neither `--method` nor `--url` is given.
    func canonicalRequest(required: Bool) throws -> CanonicalRequest? {
        switch (method, url) {
        case (let method?, let url?):
            guard !method.isEmpty, method.allSatisfy({ $0.isLetter }) else {
                throw CommandFailure.usage("--method \(Sanitized.quote(method)) is not an HTTP method: use e.g. GET or POST")
            }
            return CanonicalRequest(method: method, url: url, baseURL: baseURL)
        case (nil, nil) where !required:
            return nil
        default:
            throw CommandFailure.usage(required ? "give both --method and --url" : "give --method and --url together, or neither")
        }
    }
}
