import AdminCore
import ConnectCore
import Testing

@Suite struct CanonicalRequestTests {
    @Test(arguments: [
        // method, url, base URL, canonical
        ("get", "/rest/api/3/issue?expand=names", nil, "GET&/rest/api/3/issue&expand=names"),
        ("GET", "https://app.example.com/connect/pages/hello?a=1", "https://app.example.com/connect", "GET&/pages/hello&a=1"),
        ("GET", "/connect/pages/hello/", "https://app.example.com/connect/", "GET&/pages/hello&"),
        ("GET", "/connect", "https://app.example.com/connect", "GET&/&"),
        ("GET", "/connectors/x", "https://app.example.com/connect", "GET&/connectors/x&"),  // not under the base path
        ("GET", "https://example.com", nil, "GET&/&"),
        ("GET", "https://example.com?b=2&a=1", nil, "GET&/&a=1&b=2"),
        ("POST", "/a&b/c?jwt=abc.def.ghi&x=%7E", nil, "POST&/a%26b/c&x=~"),
        // Code units, not characters: a combining mark after '/' or '&' hides neither (found by fuzzing).
        ("GET", "/\u{301}x/", nil, "GET&/\u{301}x&"),
        ("GET", "\u{301}x", nil, "GET&/\u{301}x&"),
        ("GET", "/a&\u{301}b", nil, "GET&/a%26\u{301}b&"),
        ("GET", "/connect/\u{301}x", "https://app.example.com/connect", "GET&/\u{301}x&"),
        ("GET", "/p?zee_last=param&repeated=parameter 1&first=param&repeated=parameter 2", nil,
         "GET&/p&first=param&repeated=parameter%201,parameter%202&zee_last=param"),
        ("GET", "/p?flag&empty=&x=%zz", nil, "GET&/p&empty=&flag=&x=%25zz"),
        ("GET", "/p#fragment?not=query", nil, "GET&/p&"),
        ("DELETE", "/p?a=%E2%82%AC", nil, "DELETE&/p&a=%E2%82%AC"),
    ] as [(String, String, String?, String)])
    func canonicalForm(_ example: (String, String, String?, String)) {
        #expect(CanonicalRequest(method: example.0, url: example.1, baseURL: example.2).text == example.3)
    }

    @Test func hashIsSHA256HexOfTheText() {
        // SHA-256("GET&/&") computed independently with `printf 'GET&/&' | sha256sum`.
        #expect(CanonicalRequest(method: "GET", url: "/").queryStringHash
            == "c88caad15a1c1a900b8ac08aa9686f4e8184539bea1deda36e2f649430df3239")
    }
}
