import Foundation

/// Where `swift build` put the executables the end-to-end tests run (`connect-admin`,
/// `connect-server`): beside the test runner, or `CONNECT_ADMIN_PRODUCTS` when set.
public enum TestProducts {
    public static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["CONNECT_ADMIN_PRODUCTS"] {
            return URL(fileURLWithPath: override)
        }
        let runner = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = runner.deletingLastPathComponent()
        // macOS runs tests from inside an .xctest bundle.
        while directory.pathExtension == "xctest" || ["MacOS", "Contents"].contains(directory.lastPathComponent) {
            directory.deleteLastPathComponent()
        }
        return directory
    }()

    public static func executable(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The package's root folder (for fixtures under `Tests/Fixtures`).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
