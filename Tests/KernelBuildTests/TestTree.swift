import Foundation
import KGateCore
import KernelTree
import TestSupport

/// The Debian 6.12 tree checked out through the KernelTree API from the shared
/// test cache (imported once per cache). While KernelTree is still a placeholder,
/// a git clone of the development fixture under the shared cache stands in.
final class TestCheckout {
    let url: URL
    let treeOID: String
    let revision: String
    private let worktree: Worktree?

    init(url: URL, treeOID: String, revision: String, worktree: Worktree?) {
        self.url = url; self.treeOID = treeOID; self.revision = revision; self.worktree = worktree
    }

    func release() { worktree?.release() }
}

enum TestTree {
    static var paths: CachePaths { TestEnv.cache }

    /// True once KernelTree is implemented (the placeholder throws "not implemented").
    static func kernelTreeAvailable() -> Bool {
        do { _ = try TreeStore(paths: paths).list(); return true } catch let e as KGateError {
            return !e.what.contains("not implemented")
        } catch { return true }
    }

    static func repository() throws -> KernelRepository {
        let store = TreeStore(paths: paths)
        if try store.info(TestEnv.defaultTreeName) == nil {
            try store.importSource(TestEnv.kernelTarball, name: TestEnv.defaultTreeName)
        }
        return try store.open(TestEnv.defaultTreeName)
    }

    /// Checks out `revision` (HEAD by default).
    static func checkout(_ revision: String = "HEAD") throws -> TestCheckout {
        if kernelTreeAvailable() {
            let repo = try repository()
            let commit = try repo.commit(try repo.resolve(revision))
            let wt = try repo.checkout(commit.oid, paths: paths)
            return TestCheckout(url: wt.url, treeOID: commit.treeOID, revision: commit.oid, worktree: wt)
        }
        let dir = try fallbackClone()
        _ = try git(["checkout", "-q", "-f", "--detach", revision == "HEAD" ? "kgate-base" : revision], in: dir)
        return TestCheckout(url: dir, treeOID: try git(["rev-parse", "HEAD^{tree}"], in: dir),
                            revision: try git(["rev-parse", "HEAD"], in: dir), worktree: nil)
    }

    /// Makes a commit on `base` that applies `patch` and checks it out.
    static func checkoutPatched(_ patch: PatchToApply, base: String = "HEAD") throws -> TestCheckout {
        if kernelTreeAvailable() {
            let repo = try repository()
            let ids = try repo.apply([patch], onto: try repo.resolve(base), refName: "kernelbuild-test")
            guard let last = ids.last else { throw KGateError.infrastructure("apply returned no commit") }
            return try checkout(last)
        }
        let dir = try fallbackClone()
        _ = try git(["checkout", "-q", "-f", "--detach", base == "HEAD" ? "kgate-base" : base], in: dir)
        let patchFile = dir.appendingPathComponent(".git/kgate-test.patch")
        try Data(patch.diff.utf8).write(to: patchFile)
        _ = try git(["apply", patchFile.path], in: dir)
        _ = try git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", patch.label], in: dir)
        let out = TestCheckout(url: dir, treeOID: try git(["rev-parse", "HEAD^{tree}"], in: dir),
                               revision: try git(["rev-parse", "HEAD"], in: dir), worktree: nil)
        return out
    }

    static func fallbackClone() throws -> URL {
        let dir = paths.root.appendingPathComponent("kernelbuild-src")
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) { return dir }
        try CachePaths.ensureDirectory(paths.root)
        _ = try run("git", ["clone", "-q", "/work/fixtures/linux-src", dir.path])
        _ = try git(["branch", "-f", "kgate-base", "HEAD"], in: dir)
        return dir
    }

    @discardableResult
    static func git(_ args: [String], in dir: URL) throws -> String {
        try run("git", ["-C", dir.path] + args)
    }

    static func run(_ tool: String, _ args: [String]) throws -> String {
        let r = try ProcessRunner.run(tool, args, timeout: 900)
        guard r.succeeded else {
            throw KGateError.infrastructure("\(tool) \(args.joined(separator: " ")) failed", excerpt: r.stderr)
        }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
