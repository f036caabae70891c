import Foundation
import KGateCore
import Synchronization

/// A `kgate check` several suites compare against, run once per test process:
/// the sharded and the Buildbot end-to-end tests both need the single-machine
/// check of the regressing example with the shard pipeline (a few minutes of
/// seeded boots each), and its result does not depend on who asks first.
public enum SharedCheck {
    public struct Outcome: Sendable {
        public var exitCode: Int32
        public var reportDir: URL
        public var stderr: String
    }

    private static let runs = Mutex<[String: Outcome]>([:])

    /// `kgate check --tree <default> --series SERIES --pipeline PIPELINE [EXTRA…]` with a report
    /// directory, run on the first call for these arguments and remembered.
    public static func singleMachine(series: String, pipeline: String, extra: [String] = []) throws -> Outcome {
        let key = ([series, pipeline] + extra).joined(separator: "\u{0}")
        if let done = runs.withLock({ $0[key] }) { return done }
        let reports = try TestEnv.temporaryDirectory("single-machine")
        let r = try TestEnv.kgate(["check", "--tree", TestEnv.defaultTreeName, "--series", series,
                                   "--pipeline", pipeline, "--report-dir", reports.path] + extra)
        let outcome = Outcome(exitCode: r.exitCode, reportDir: reports, stderr: r.stderr)
        // Suites run serialized (--no-parallel); a concurrent first call would only run it twice.
        runs.withLock { $0[key] = outcome }
        return outcome
    }
}
