import Foundation
import KGateCore
import KernelTree
@testable import Pipeline
import Testing
import TestSupport

/// `kgate check --base REV`: a revision the tree does not have is the user's
/// (exit 64); a libgit2 failure while resolving it is the host's (exit 4), never a usage error.
@Suite(.tags(.unit)) struct ResolveBaseTests {
    static func clone() throws -> (URL, CachePaths) {
        let dir = try TestEnv.temporaryDirectory("resolve-base")
        let repo = dir.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        for args in [["init", "-q", "-b", "main"], ["-c", "user.name=t", "-c", "user.email=t@example.org",
                                                     "commit", "-q", "--allow-empty", "-m", "base"]] {
            let r = try ProcessRunner.run("/usr/bin/git", args, cwd: repo, timeout: 60)
            #expect(r.succeeded, "git \(args): \(r.stderr)")
        }
        return (repo, CachePaths(root: dir.appendingPathComponent("cache")))
    }

    @Test func aMissingBaseIsAUsageErrorAndALibgit2FailureIsTheHosts() throws {
        let (repo, paths) = try Self.clone()
        let repository = try TreeStore(paths: paths).open(path: repo)
        let driver = CheckDriver(paths: paths, console: Console(interactive: false))
        #expect(try driver.resolveBase("main", repository: repository, explicit: true).count == 40)
        let missing = #expect(throws: KGateError.self) { try driver.resolveBase("no-such", repository: repository, explicit: true) }
        #expect(missing?.exitCode == KGateExitCode.usage && missing?.cause != nil)
        try Data("not an object id\n".utf8).write(to: repo.appendingPathComponent(".git/refs/heads/broken"))
        let broken = #expect(throws: KGateError.self) { try driver.resolveBase("broken", repository: repository, explicit: true) }
        #expect(broken?.exitCode == KGateExitCode.infrastructure, "\(String(describing: broken))")
    }
}
