import CLibGit2
import Foundation
import KGateCore

extension KernelRepository {
    /// Copies the tree `treeOID` of `source` (another clone, e.g. the one
    /// `git bisect run` works in) and every tree and blob below it that this
    /// repository lacks into this repository's object database, so that the
    /// tree can be checked out into this tree's warm worktree
    /// (`checkout(treeOID:label:paths:)`). A tree already present is taken as
    /// complete (git writes a tree only after its entries), so importing a
    /// revision both repositories share copies nothing. Returns the number of
    /// objects copied.
    public func importObjects(of treeOID: String, from source: KernelRepository) throws -> Int {
        let root = try Git.oid(treeOID)
        return try source.locked {
            try locked {
                let from = try source.objectDatabase()
                let to = try objectDatabase()
                var copied = 0
                try copyTree(root, from: from, to: to, source: source, copied: &copied)
                return copied
            }
        }
    }

    func objectDatabase() throws -> GitHandle {
        try Git.make("cannot open the object database", location: info.path, free: { git_odb_free($0) }) { out in
            git_repository_odb(&out, repo.pointer)
        }
    }

    private func copyTree(_ id: git_oid, from: GitHandle, to: GitHandle, source: KernelRepository, copied: inout Int) throws {
        var oid = id
        if git_odb_exists(to.pointer, &oid) != 0 { return }
        let tree = try source.lookupTree(id)
        for i in 0..<git_tree_entrycount(tree.pointer) {
            guard let entry = git_tree_entry_byindex(tree.pointer, i), var child = git_tree_entry_id(entry)?.pointee else {
                continue
            }
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                try copyTree(child, from: from, to: to, source: source, copied: &copied)
            case GIT_OBJECT_BLOB:
                if git_odb_exists(to.pointer, &child) == 0 {
                    try copyObject(child, from: from, to: to)
                    copied += 1
                }
            default:
                continue // gitlinks have no object here
            }
        }
        try copyObject(id, from: from, to: to) // the tree last: present means complete
        copied += 1
    }

    private func copyObject(_ id: git_oid, from: GitHandle, to: GitHandle) throws {
        var oid = id
        let object = try Git.make("cannot read object \(id.hex) of the source clone", location: info.path,
                                  free: { git_odb_object_free($0) }) { out in
            git_odb_read(&out, from.pointer, &oid)
        }
        var written = git_oid()
        try Git.check(git_odb_write(&written, to.pointer, git_odb_object_data(object.pointer),
                                    git_odb_object_size(object.pointer), git_odb_object_type(object.pointer)),
                      "cannot write object \(id.hex)", location: info.path)
        guard git_oid_equal(&written, &oid) != 0 else {
            throw KGateError.infrastructure("object \(id.hex) changed its id when copied (corrupt source clone?)",
                                            location: info.path)
        }
    }
}
