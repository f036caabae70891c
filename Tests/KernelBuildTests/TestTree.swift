import Foundation
import KGateCore
import KernelTree
import TestSupport

/// A checkout of the Debian 6.12 tree through the KernelTree API, from the
/// shared test cache (the tarball is imported once per cache).
final class TestCheckout {
    let url: URL
    let treeOID: String
    let revision: String
    private let worktree: Worktree

    init(worktree: Worktree) {
        self.url = worktree.url
        self.treeOID = worktree.treeOID
        self.revision = worktree.commit
        self.worktree = worktree
    }

    func release() { worktree.release() }
}

enum TestTree {
    static var paths: CachePaths { TestEnv.cache }

    /// The imported tree (imports `TestEnv.kernelTarball` when the cache has none).
    static func repository() throws -> KernelRepository {
        let store = TreeStore(paths: paths)
        if try store.info(TestEnv.defaultTreeName) == nil {
            try store.importSource(TestEnv.kernelTarball, name: TestEnv.defaultTreeName)
        }
        return try store.open(TestEnv.defaultTreeName)
    }

    /// Checks out `revision` (the imported commit by default) into the tree's worktree.
    static func checkout(_ revision: String = "HEAD") throws -> TestCheckout {
        let repo = try repository()
        let commit = try repo.commit(try repo.resolve(revision))
        let wt = try repo.checkout(commit.oid, paths: paths)
        guard wt.treeOID == commit.treeOID else {
            throw KGateError.infrastructure("checkout tree id \(wt.treeOID) differs from the commit's \(commit.treeOID)")
        }
        return TestCheckout(worktree: wt)
    }

    /// Commits `patch` on `base` (under refs/kgate/kernelbuild-test) and checks the result out.
    static func checkoutPatched(_ patch: PatchToApply, base: String = "HEAD") throws -> TestCheckout {
        let repo = try repository()
        let ids = try repo.apply([patch], onto: try repo.resolve(base), refName: "kernelbuild-test")
        guard let last = ids.last else { throw KGateError.infrastructure("apply returned no commit") }
        return try checkout(last)
    }
}
