import CLibGit2
import Foundation
import KGateCore

extension KernelRepository {
    /// Reverts `commit` on top of `onto`; returns the new commit id under `refs/kgate/<refName>`.
    /// The commit is authored and committed by "kgate <kgate@localhost>" at the
    /// committer date of `onto`, so the same revert gives the same id.
    public func revert(_ commit: String, onto: String, refName: String) throws -> String {
        try locked {
            let ref = try Git.kgateRef(refName)
            let revertID = try resolveOID(commit)
            let ontoID = try resolveOID(onto)
            let reverted = try lookupCommit(revertID)
            let ours = try lookupCommit(ontoID)
            var options = git_merge_options()
            try Git.check(git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)), "cannot set merge options")
            let mainline: UInt32 = git_commit_parentcount(reverted.pointer) > 1 ? 1 : 0
            let index = try Git.make("cannot revert \(commit) onto \(onto)", location: info.path,
                                     free: { git_index_free($0) }) { out in
                git_revert_commit(&out, repo.pointer, reverted.pointer, ours.pointer, mainline, &options)
            }
            if git_index_has_conflicts(index.pointer) != 0 {
                let paths = conflictPaths(index.pointer)
                throw KGateError(.kernelUnderTest, "reverting \(revertID.hex) onto \(onto) conflicts in \(paths.count) file(s)",
                                 location: paths.first, fix: "revert by hand, or pick a base where the commit reverts cleanly",
                                 excerpt: paths.prefix(20).joined(separator: "\n"))
            }
            var treeID = git_oid()
            try Git.check(git_index_write_tree_to(&treeID, index.pointer, repo.pointer), "cannot write reverted tree")
            let subject = git_commit_summary(reverted.pointer).map { String(cString: $0) } ?? revertID.hex
            let message = "Revert \"\(subject)\"\n\nThis reverts commit \(revertID.hex).\n"
            let time = Int64(git_commit_time(ours.pointer))
            let signature = try GitSignature.kgate(time: time)
            let id = try createCommit(tree: treeID, parents: [ontoID], message: message,
                                      author: signature, committer: signature)
            try setReference(ref, to: id, log: "kgate: revert \(revertID.hex)")
            return id.hex
        }
    }

    private func conflictPaths(_ index: OpaquePointer) -> [String] {
        var iterator: OpaquePointer?
        guard git_index_conflict_iterator_new(&iterator, index) == 0, let iterator else { return [] }
        defer { git_index_conflict_iterator_free(iterator) }
        var paths: [String] = []
        var ancestor: UnsafePointer<git_index_entry>?
        var our: UnsafePointer<git_index_entry>?
        var their: UnsafePointer<git_index_entry>?
        while git_index_conflict_next(&ancestor, &our, &their, iterator) == 0 {
            if let entry = our ?? their ?? ancestor, let path = entry.pointee.path {
                paths.append(String(cString: path))
            }
        }
        return paths
    }
}
