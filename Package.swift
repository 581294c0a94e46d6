// swift-tools-version:6.2
import PackageDescription

/// ConnectAdmin: an Atlassian Connect app host (`connect-server`) and the operator console
/// that reads its store (`connect-admin`). The layers, bottom up: `ConnectCore` (pure:
/// tokens, qsh, lifecycle rules, secrets), `AdminCore` (the store and the read models on it),
/// `ConnectServerKit` (the HTTP glue) and `AdminTUI` (the console's views and the CLI).
let package = Package(
    name: "ConnectAdmin",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ConnectCore", targets: ["ConnectCore"]),
        .library(name: "AdminCore", targets: ["AdminCore"]),
        // For the fuzz package (Fuzz/), which builds these under libFuzzer and ASan.
        .library(name: "FuzzProperties", targets: ["FuzzProperties"]),
        .executable(name: "connect-admin", targets: ["AdminTUI"]),
        .executable(name: "connect-server", targets: ["ConnectServer"]),
        .executable(name: "connect-bench", targets: ["ConnectBench"]),
    ],
    // Exact versions: the ones this project is built and tested with (Package.resolved is not
    // committed, as each machine's package mirror has its own commit ids).
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", exact: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        // Benchmark baseline only: the design page compares our verifier against jwt-kit.
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
    ],
    targets: [
        // ncursesw (Debian: libncurses-dev), linked by the module map. Not through pkg-config:
        // SwiftPM drops its cflags (-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600) with a warning on every
        // build, and the shim defines what it needs itself.
        .systemLibrary(name: "CNcurses"),
        // Pure: no NIO, no database, no HTTP. What a token, a request or a callback means.
        .target(
            name: "ConnectCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ]
        ),
        // Redis's wire format (RESP2), read by the ace+redis foreign store reader.
        .target(name: "RedisProtocol"),
        // What must hold for any input to the parsers an attacker reaches: run by the fuzz
        // targets (Fuzz/) and replayed over their saved inputs by FuzzRegressionTests.
        .target(
            name: "FuzzProperties",
            dependencies: ["ConnectCore", "RedisProtocol", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AdminCore",
            dependencies: [
                "ConnectCore",
                "RedisProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "HostSimulator",
            dependencies: [
                "AdminCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // What both binaries' command lines share: the exit statuses and the one place an
        // error becomes a message and a status.
        .target(
            name: "CommandLineSupport",
            dependencies: ["AdminCore", "ConnectCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "AdminTUI",
            dependencies: [
                "AdminCore",
                "CommandLineSupport",
                "CNcurses",
                "HostSimulator",
                "ConnectServerKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ConnectServerKit",
            dependencies: [
                "AdminCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "ConnectServer",
            dependencies: [
                "AdminCore",
                "CommandLineSupport",
                "ConnectServerKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ConnectBench",
            dependencies: [
                "AdminCore",
                "ConnectTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ConnectTestSupport",
            dependencies: [
                "AdminCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Sources/ConnectTestSupport"
        ),
        .testTarget(
            name: "AdminCoreTests",
            dependencies: [
                "AdminCore",
                "ConnectCore",
                "RedisProtocol",
                "FuzzProperties",
                "ConnectTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "ConnectServerTests",
            dependencies: [
                "AdminCore",
                "ConnectServerKit",
                "ConnectTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AdminTUITests",
            dependencies: ["AdminTUI", "AdminCore", "CNcurses"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "AdminCLITests",
            dependencies: ["AdminCore", "ConnectTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
