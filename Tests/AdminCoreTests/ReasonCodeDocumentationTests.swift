import AdminCore
import ConnectCore
import Foundation
import Testing

/// `docs/reason-codes.md` documents every reason code, and only codes that exist.
@Suite struct ReasonCodeDocumentationTests {
    @Test func everyReasonCodeIsDocumented() throws {
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("docs/reason-codes.md"), encoding: .utf8)
        let documented = Set(text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        })
        let codes = Set(ReasonCode.allCases.map(\.rawValue))
        #expect(codes.subtracting(documented).isEmpty, "not in docs/reason-codes.md: \(codes.subtracting(documented).sorted())")
        #expect(documented.subtracting(codes).isEmpty, "documented but not a reason code: \(documented.subtracting(codes).sorted())")
    }
}
