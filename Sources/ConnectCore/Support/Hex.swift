/// Lower-case hexadecimal, for digests and fingerprints.
public enum Hex {
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) { return encoded }
        return Array(bytes).withUnsafeBytes(encode)
    }

    /// One allocation, the string itself: this runs on every request (the expected qsh).
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            let digits = ("0123456789abcdef" as StaticString).utf8Start
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digits[Int(byte >> 4)]
                out[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
