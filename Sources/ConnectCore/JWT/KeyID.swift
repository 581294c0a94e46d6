/// Install-key ids (`kid`), validated before they are used to build a URL or a cache key.
///
/// The key service URL is `<keys base>/<kid>`, so a kid with `/`, `..`, `%`, `?` or `#`
/// could point the fetch somewhere else. Only a conservative alphabet gets through.
public enum KeyID {
    public static let maxLength = 128

    public static func isValid(_ kid: String) -> Bool {
        guard !kid.isEmpty, kid.utf8.count <= maxLength else { return false }
        return kid.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }
}
