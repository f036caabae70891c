import CLibGit2
import Foundation
import KGateCore

/// Payload of the apply callbacks used to isolate one delta and one hunk.
private final class ApplyFilter {
    let delta: Int
    let hunk: Int?
    var deltaSeen = -1
    var hunkSeen = -1
    init(delta: Int, hunk: Int?) { self.delta = delta; self.hunk = hunk }
}

extension KernelRepository {
    /// Applies each patch am-style on `base`, one commit per patch, and points
    /// `refs/kgate/<refName>` at the last. Branches, HEAD and the index are
    /// untouched. Returns the new commit ids in order. A hunk found away from
    /// its stated line, as `git apply` finds it, is printed on `console`. A
    /// patch that does not apply throws a `.patch` error naming it, the file
    /// and the hunk, and leaves the repository as it was (no ref moves).
    public func apply(_ patches: [PatchToApply], onto base: String, refName: String,
                      console: Console = .shared) throws -> [String] {
        try apply(patches, onto: base, refName: refName) { console.line("series: \($0)") }
    }

    /// `apply`, reporting each hunk that applied at an offset to `offset`.
    func apply(_ patches: [PatchToApply], onto base: String, refName: String,
               offset: (HunkOffset) -> Void) throws -> [String] {
        try locked {
            let ref = try Git.kgateRef(refName)
            // Everything is checked before any object is written.
            for patch in patches { try PatchCheck.validate(patch) }
            let parsed = try patches.map { patch -> GitHandle in
                let diff = try parseDiff(diffText(patch), patch: patch)
                try PatchCheck.validateParsed(diff.pointer, patch: patch)
                return diff
            }
            var head = try resolveOID(base)
            var ids: [String] = []
            for (patch, original) in zip(patches, parsed) {
                // Hunks move to where `git apply` finds them in this patch's base (the previous patch's tree).
                let tree = try commitTree(lookupCommit(head))
                let relocated = relocateHunks(diffText(patch), label: patch.label, tree: tree)
                var diff = original
                if relocated.changed {
                    diff = try parseDiff(relocated.text, patch: patch)
                    try PatchCheck.validateParsed(diff.pointer, patch: patch)
                }
                let treeID = try applyToTree(diff, patch: patch, tree: tree, unplaced: relocated.unplaced)
                relocated.offsets.forEach(offset)
                let time = Int64(patch.date.timeIntervalSince1970.rounded(.down))
                let author = try GitSignature(name: patch.authorName, email: patch.authorEmail, time: time,
                                              offsetMinutes: patch.timezoneOffsetMinutes)
                let committer = try GitSignature.kgate(time: time, offsetMinutes: patch.timezoneOffsetMinutes)
                head = try createCommit(tree: treeID, parents: [head], message: patch.message,
                                        author: author, committer: committer)
                ids.append(head.hex)
            }
            try setReference(ref, to: head, log: "kgate: apply \(patches.count) patches on \(base)")
            return ids
        }
    }

    /// The patch's diff as libgit2 reads it: quilt and Index diffs become git
    /// sections (-p1), as `git am` reads them; a final newline.
    func diffText(_ patch: PatchToApply) -> String {
        var text = TraditionalDiff.gitForm(patch.diff)
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    func parseDiff(_ text: String, patch: PatchToApply) throws -> GitHandle {
        do {
            return try Git.make("cannot parse the diff", free: { git_diff_free($0) }) { out in
                text.withCString { git_diff_from_buffer(&out, $0, strlen($0)) }
            }
        } catch let error as KGateError {
            throw KGateError(.kernelUnderTest, "patch \(patch.label) is not a valid diff (\(error.what))",
                             fix: "check that the patch is a unified diff in git format",
                             excerpt: String(patch.diff.prefix(600)), cause: error)
        }
    }

    /// Applies one parsed diff to `tree`; returns the new tree id. `unplaced`
    /// names, per file, the hunk that `git apply` would not find either.
    private func applyToTree(_ diff: GitHandle, patch: PatchToApply, tree: GitHandle,
                             unplaced: [String: Int]) throws -> git_oid {
        var index: OpaquePointer?
        let rc = git_apply_to_tree(&index, repo.pointer, tree.pointer, diff.pointer, nil)
        guard rc >= 0, let index else {
            let message = Git.lastErrorMessage()
            throw diagnose(diff: diff, tree: tree, patch: patch, unplaced: unplaced, libgit2Message: message)
        }
        defer { git_index_free(index) }
        var treeID = git_oid()
        try Git.check(git_index_write_tree_to(&treeID, index, repo.pointer), "cannot write the patched tree")
        return treeID
    }

    /// Tries `git_apply_to_tree` with only one delta (and optionally one hunk) enabled.
    private func appliesAlone(_ diff: GitHandle, tree: GitHandle, delta: Int, hunk: Int?) -> Bool {
        var options = git_apply_options()
        guard git_apply_options_init(&options, UInt32(GIT_APPLY_OPTIONS_VERSION)) == 0 else { return false }
        let filter = ApplyFilter(delta: delta, hunk: hunk)
        let payload = Unmanaged.passRetained(filter)
        defer { payload.release() }
        options.payload = payload.toOpaque()
        options.delta_cb = { _, raw in
            guard let raw else { return -1 }
            let f = Unmanaged<ApplyFilter>.fromOpaque(raw).takeUnretainedValue()
            f.deltaSeen += 1
            f.hunkSeen = -1
            return f.deltaSeen == f.delta ? 0 : 1
        }
        options.hunk_cb = { _, raw in
            guard let raw else { return -1 }
            let f = Unmanaged<ApplyFilter>.fromOpaque(raw).takeUnretainedValue()
            f.hunkSeen += 1
            guard let only = f.hunk else { return 0 }
            return f.hunkSeen == only ? 0 : 1
        }
        var index: OpaquePointer?
        let rc = git_apply_to_tree(&index, repo.pointer, tree.pointer, diff.pointer, &options)
        if let index { git_index_free(index) }
        return rc >= 0
    }

    /// Finds the file and hunk that fail and builds the error users see.
    private func diagnose(diff: GitHandle, tree: GitHandle, patch: PatchToApply, unplaced: [String: Int],
                          libgit2Message: String) -> KGateError {
        let fix = "rebase the series onto the base it was written for, or check the base revision"
        for i in 0..<git_diff_num_deltas(diff.pointer) {
            guard !appliesAlone(diff, tree: tree, delta: i, hunk: nil) else { continue }
            guard let delta = git_diff_get_delta(diff.pointer, i) else { break }
            let oldPath = delta.pointee.old_file.path.map { String(cString: $0) } ?? "?"
            let newPath = delta.pointee.new_file.path.map { String(cString: $0) } ?? oldPath
            let status = delta.pointee.status
            let existing = blobOID(tree: tree, path: oldPath)
            if status == GIT_DELTA_ADDED {
                return KGateError.patch("patch \(patch.label) does not apply: it creates \(newPath), which already exists",
                                        location: newPath, fix: fix, excerpt: libgit2Message)
            }
            guard let blob = existing else {
                return KGateError.patch("patch \(patch.label) does not apply: \(oldPath) does not exist in the tree",
                                        location: oldPath, fix: fix, excerpt: libgit2Message)
            }
            let hunks = HunkReader(diff: diff.pointer, delta: i)
            let content = (try? blobData(blob)) ?? Data()
            // libgit2 alone fails at the first hunk away from its line; git's search knows which one is missing.
            let missing = unplaced[oldPath].flatMap { $0 < hunks.count ? $0 : nil }
                ?? (0..<hunks.count).first { !appliesAlone(diff, tree: tree, delta: i, hunk: $0) }
            if let h = missing {
                let header = hunks.header(h)
                let evidence = hunks.mismatch(h, against: content)
                return KGateError.patch("patch \(patch.label) does not apply: hunk \(header) failed in \(oldPath)",
                                        location: "\(oldPath): \(header)", fix: fix,
                                        excerpt: hunks.excerpt(h) + (evidence.map { "\n" + $0 } ?? ""))
            }
            return KGateError.patch("patch \(patch.label) does not apply to \(oldPath): \(libgit2Message)",
                                    location: oldPath, fix: fix, excerpt: hunks.count > 0 ? hunks.excerpt(0) : nil)
        }
        return KGateError.patch("patch \(patch.label) does not apply: \(libgit2Message)",
                                fix: fix, excerpt: String(patch.diff.prefix(800)))
    }

    func blobOID(tree: GitHandle, path: String) -> git_oid? {
        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, tree.pointer, path) == 0, let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB, let id = git_tree_entry_id(entry) else { return nil }
        return id.pointee
    }
}
