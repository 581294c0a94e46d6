@testable import AdminCore
@testable import ConnectCore
import Testing

/// The canonical query is built from byte ranges for speed; this checks it against the rules
/// written plainly with strings (the implementation before that change), on hand-picked
/// queries and on 20 000 random ones made of the characters where the two could part:
/// '%' escapes (valid, broken, invalid UTF-8), '+', repeated and empty names, `jwt`,
/// characters above U+E000 (where UTF-16 order is not UTF-8 order) and outside the BMP.
@Suite struct CanonicalQueryReferenceTests {
    /// (encoded name, decoded value) pairs as strings; names sorted by encoded form, values by
    /// decoded form in UTF-16 order; values encoded and joined with ','.
    static func reference(_ rawQuery: Substring) -> String {
        var pairs: [(name: String, value: String)] = []
        for pair in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = PercentEncoding.formDecode(pair[pair.startIndex..<(equals ?? pair.endIndex)])
            if name == "jwt" { continue }
            let value = equals.map { PercentEncoding.formDecode(pair[pair.index(after: $0)...]) } ?? ""
            pairs.append((PercentEncoding.encode(name), value))
        }
        pairs.sort { lhs, rhs in
            lhs.name != rhs.name ? lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
                                 : lhs.value.utf16.lexicographicallyPrecedes(rhs.value.utf16)
        }
        var out = ""
        for (index, pair) in pairs.enumerated() {
            if index > 0 && pairs[index - 1].name == pair.name {
                out += ","
            } else {
                if index > 0 { out += "&" }
                out += pair.name + "="
            }
            out += PercentEncoding.encode(pair.value)
        }
        return out
    }

    @Test(arguments: [
        "", "&", "&&a=1&&", "a", "=x", "jwt=abc", "jwt", "j%77t=1&b=2", "b=2&a=1&a=0", "a=%FF%FE&a=%41", "a=%4", "a=%zz&a=%",
        "a+b=c+d", "%E2%82%AC=1", "q=\u{E000}&q=\u{1F600}", "q=%EE%80%80&q=%F0%9F%98%80", "x=1&X=2&x=0",
        "expand=names,renderedFields&fields=summary", "a=b=c", "n%26m=1&n=2", "é=è&e\u{301}=1",
    ])
    func matchesTheRulesOn(_ query: String) {
        #expect(CanonicalRequest.canonicalQuery(Substring(query)) == Self.reference(Substring(query)), "query \(query.debugDescription)")
    }

    @Test func matchesTheRulesOnRandomQueries() {
        let pieces = ["a", "b", "A", "jwt", "j", "=", "=", "&", "&", "%", "%2", "%41", "%FF", "%E2%82", "%e2%82%ac", "+", " ", ",", "~",
                      "é", "e\u{301}", "\u{E000}", "\u{FFFD}", "\u{1F600}", "%F0%9F%98%80", "%EE%80%80", "\u{202E}", "0", "-", "."]
        var random = SeededRandom(seed: 17)
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            let count = Int(random.next() % 12)
            let query = (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            if CanonicalRequest.canonicalQuery(Substring(query)) != Self.reference(Substring(query)) { mismatches.append(query) }
        }
        #expect(mismatches.isEmpty, "first differing queries: \(mismatches.prefix(5).map(\.debugDescription))")
    }
}
