// swift-tools-version: 6.0
// The fuzz targets (libFuzzer), outside the main package so that `swift build` and
// `swift test` never see them. Built and run by `scripts/fuzz.sh`, which passes
// `-sanitize=fuzzer,address -parse-as-library -enable-testing`.
//
// `Sources/AdminCore` is the parsing part of the real AdminCore (symlinks into
// `../Sources/AdminCore`, minus the database engines), so the fuzzers exercise the very code
// that ships, with only swift-crypto, swift-extras-base64 and NIO's locks to build under the sanitizers.
// Each target's `FuzzProperties.swift` is a symlink to `Tests/AdminCoreTests/FuzzProperties.swift`:
// the properties the fuzzers check are the ones the unit tests replay saved inputs against.
import PackageDescription

let targets = ["base64url", "json", "token", "lifecycle", "canonical", "sanitized", "resp", "path"]

let package = Package(
    name: "ConnectAdminFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", exact: "1.2.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
    ],
    targets: [
        .target(
            name: "AdminCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["Store/SQLiteDatabase.swift", "Store/PostgresDatabase.swift", "Store/ConnectStore.swift", "Store/SecretSealing.swift",
                      "Store/StoreLocation.swift"]
        ),
        .target(name: "CFuzzer"),
    ] + targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["AdminCore", "CFuzzer", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/fuzz-\(name)"
        )
    },
    swiftLanguageModes: [.v6]
)
