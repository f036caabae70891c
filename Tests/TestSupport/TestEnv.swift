import Foundation
import KGateCore
import Synchronization
import Testing

/// Shared facts for every test target: where the package is, the one cache
/// directory of the whole test run (so each real kernel is built once per run),
/// and how to run the real `kgate` binary.
public enum TestEnv {
    /// The package root, found from this file's location.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The running test as `Suite/test()`, the context of its timing records
    /// (`TimingLog`, `KGATE_TIMINGS`): kgate children get it in
    /// `KGATE_TIMING_CONTEXT`, builds in the test process through the provider.
    /// Boots a test fans out on threads of its own (`BootSlots`) see no `Test.current`:
    /// they get the test last seen, which tests run one at a time (`--no-parallel`) make right.
    public static var currentTestName: String? {
        guard let test = Test.current else { return lastTestName.withLock { $0 } }
        let name = test.id.nameComponents.joined(separator: "/")
        lastTestName.withLock { $0 = name }
        return name
    }

    private static let lastTestName = Mutex<String?>(nil)

    private static let timingContextInstalled: Bool = {
        TimingLog.setContextProvider { TestEnv.currentTestName }
        return true
    }()

    /// `$KGATE_TEST_CACHE`, else `<package>/.ci-cache`: one cache for the whole run.
    public static var cache: CachePaths {
        _ = timingContextInstalled
        _ = currentTestName
        if let dir = ProcessInfo.processInfo.environment["KGATE_TEST_CACHE"], !dir.isEmpty {
            return CachePaths(root: URL(fileURLWithPath: dir))
        }
        return CachePaths(root: packageRoot.appendingPathComponent(".ci-cache"))
    }

    /// The built executable: `$KGATE_BIN`, else `kgate` in the directory of the
    /// running test bundle, which `swift test` builds next to it (the directory
    /// `swift build --show-bin-path` prints, for any configuration and triple).
    public static var kgateBinary: URL {
        if let bin = ProcessInfo.processInfo.environment["KGATE_BIN"], !bin.isEmpty {
            return URL(fileURLWithPath: bin)
        }
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return runner.deletingLastPathComponent().appendingPathComponent("kgate")
    }

    /// The Debian kernel source, the embedded default tree.
    public static let kernelTarball = URL(fileURLWithPath: "/usr/src/linux-source-6.12.tar.xz")
    /// The name tests register the imported Debian tree under.
    public static let defaultTreeName = "linux-6.12"

    /// A fresh temporary directory, removed by nobody (tests may inspect it after a failure).
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kgate-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `kgate` with the shared test cache.
    public static func kgate(_ arguments: [String], environment: [String: String] = [:],
                             cwd: URL? = nil, timeout: Double = 3600) throws -> ProcessResult {
        let binary = kgateBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw KGateError.infrastructure("the kgate executable is missing", location: binary.path,
                                            fix: "swift build (or set KGATE_BIN to the built kgate)")
        }
        var fixed = ["KGATE_CACHE": cache.root.path]
        fixed[TimingLog.contextVariable] = currentTestName
        return try ProcessRunner.run(binary.path, arguments,
                              cwd: cwd, environment: environment.merging(fixed) { a, _ in a },
                              timeout: timeout)
    }

    /// The last non-empty line of a command's stdout (kgate prints results last).
    public static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }
}
