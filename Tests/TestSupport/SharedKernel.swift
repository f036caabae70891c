import Foundation
import KGateCore

/// The real kernel every boot/workload/pipeline test shares: built once per
/// test run by the build stage into the shared cache (`kgate tree import` of
/// the Debian source, then `kgate build`). `KGATE_TEST_KERNEL=<bzImage>` points
/// the tests at an already built kernel instead (development only).
public enum SharedKernel {
    /// Imports the Debian 6.12 tree into the shared cache (no-op when present).
    public static func ensureTree() throws {
        let r = try TestEnv.kgate(["tree", "import", TestEnv.kernelTarball.path, "--name", TestEnv.defaultTreeName])
        guard r.exitCode == 0 else {
            throw KGateError.infrastructure("test setup: kgate tree import failed (\(r.exitCode))", excerpt: r.stderr)
        }
    }

    /// The bzImage of the tree's head with the shipped fragments.
    public static func bzImage() throws -> URL {
        if let dev = ProcessInfo.processInfo.environment["KGATE_TEST_KERNEL"], !dev.isEmpty {
            return URL(fileURLWithPath: dev)
        }
        try ensureTree()
        let r = try TestEnv.kgate(["build", "--tree", TestEnv.defaultTreeName, "--rev", "HEAD"])
        guard r.exitCode == 0 else {
            throw KGateError.infrastructure("test setup: kgate build failed (\(r.exitCode))", excerpt: r.stderr)
        }
        return URL(fileURLWithPath: TestEnv.lastLine(r.stdout))
    }
}
