// swift-tools-version: 6.0
// The fuzzer (libFuzzer), outside the main package so that `swift build` and `swift test`
// never see it. Built and run by `scripts/fuzz.sh`, which passes
// `-sanitize=fuzzer,address -parse-as-library`.
//
// It depends on the main package by path, on its `FuzzProperties` product (and so on the
// real `ConnectCore` and `RedisProtocol`): the fuzzer exercises the very code that ships,
// checking the properties the unit tests replay saved inputs against, and builds only those
// targets and swift-crypto under the sanitizers. One executable serves every target:
// `FUZZ_TARGET` names the property, and `connect-fuzz --list-targets` prints their names.
import PackageDescription

let package = Package(
    name: "ConnectAdminFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ConnectAdmin", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(
            name: "connect-fuzz",
            dependencies: ["CFuzzer", .product(name: "FuzzProperties", package: "ConnectAdmin")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
