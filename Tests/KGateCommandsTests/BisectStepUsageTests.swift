import Foundation
import KGateCore
import Testing
import TestSupport

/// `git bisect run` reads an exit code of 125 as skip, 1-127 as bad and 128 or
/// more as "stop". A usage error of `kgate bisect-step` (a typo in a flag, a
/// missing option, a bad value) must stop the bisection, never mark a commit
/// bad: these run the real `git bisect run` on a tiny repository.
@Suite(.tags(.unit)) struct BisectStepUsageTests {
    /// A repository of four commits, bisection started with the last bad and the first good.
    static func repository() throws -> URL {
        let dir = try TestEnv.temporaryDirectory("bisect-usage")
        try git(["init", "-q", "-b", "main"], in: dir)
        for i in 0..<4 {
            try Data("step \(i)\n".utf8).write(to: dir.appendingPathComponent("file"))
            try git(["add", "file"], in: dir)
            try git(["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "commit \(i)"], in: dir)
        }
        try git(["bisect", "start", "HEAD", "HEAD~3"], in: dir)
        return dir
    }

    @discardableResult
    static func git(_ arguments: [String], in dir: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/git", arguments, cwd: dir, environment: environment, timeout: 120)
    }

    static let usageErrors: [[String]] = [
        ["--wrkload", "tcp-stream-10ms", "--good-samples", "1,2", "--bad-samples", "3,4"],    // unknown flag
        ["--good-samples", "1,2", "--bad-samples", "3,4"],                                    // missing --workload
        ["--workload", "tcp-stream-10ms", "--good-samples", "1", "--bad-samples", "3"],       // too few samples (checked in run)
        ["--workload", "tcp-stream-10ms", "--good-samples", "1,2", "--bad-samples", "3,4", "--threshold", "3x"],
        ["--workload", "tcp-stream-10ms", "--good-samples", "1,x", "--bad-samples", "3,4"],
    ]

    @Test(arguments: usageErrors) func aUsageErrorExits128(arguments: [String]) throws {
        let cache = try TestEnv.temporaryDirectory("bisect-usage-cache")
        let r = try ProcessRunner.run(TestEnv.kgateBinary.path, ["bisect-step"] + arguments,
                                      environment: ["KGATE_CACHE": cache.path], timeout: 120)
        #expect(r.exitCode == KGateExitCode.bisectAbort, "kgate bisect-step \(arguments): \(r.stderr)")
    }

    @Test(arguments: usageErrors) func gitBisectRunStopsOnAUsageError(arguments: [String]) throws {
        let repo = try Self.repository()
        let cache = try TestEnv.temporaryDirectory("bisect-usage-cache")
        let run = try Self.git(["bisect", "run", TestEnv.kgateBinary.path, "bisect-step"] + arguments, in: repo,
                               environment: ["KGATE_CACHE": cache.path])
        #expect(run.exitCode != 0, "git bisect run must fail: \(run.stdout)\(run.stderr)")
        let log = try Self.git(["bisect", "log"], in: repo).stdout
        let marked = log.split(separator: "\n").filter { $0.hasPrefix("git bisect bad") || $0.hasPrefix("git bisect good")
            || $0.hasPrefix("git bisect skip") }
        #expect(marked.isEmpty, "git bisect run marked a commit on a usage error: \(log)")
    }

    /// The help is no error: it exits 0 (and `git bisect run` would read that as good, but nobody bisects with --help).
    @Test func helpExitsZero() throws {
        let r = try ProcessRunner.run(TestEnv.kgateBinary.path, ["bisect-step", "--help"], timeout: 120)
        #expect(r.exitCode == 0)
    }

    /// The other verbs keep ArgumentParser's usage code.
    @Test func otherVerbsExit64() throws {
        let r = try ProcessRunner.run(TestEnv.kgateBinary.path, ["run", "--wrkload", "x"], timeout: 120)
        #expect(r.exitCode == KGateExitCode.usage)
    }
}
