import CLibGit2

/// A hunk that applied away from the line its header states, as `git apply -v`
/// reports it ("Hunk #1 succeeded at 4859 (offset 2 lines).").
public struct HunkOffset: Sendable, Equatable, CustomStringConvertible {
    /// The patch label ("1/3 'mm: subject'").
    public var patch: String
    public var path: String
    /// 1-based, within the file's section.
    public var hunk: Int
    /// Where the hunk applied: its first line in the file as patched so far (git's number).
    public var line: Int
    public var offset: Int

    public var description: String {
        "patch \(patch) \(path): hunk \(hunk) applied at \(line) (offset \(offset) line\(abs(offset) == 1 ? "" : "s"))"
    }
}

/// Moves hunks to where `git apply` finds them. libgit2 applies a hunk only at
/// its stated line; git searches for the hunk's old lines (context and '-')
/// nearest that line first, fuzz 0. This rewrites the start numbers of the
/// hunk headers of every file that libgit2 would reject but git would apply,
/// so that libgit2 applies the hunks where git would. Everything else in the
/// text stays byte-identical; a file whose hunks git cannot place either is
/// left as it is (libgit2 then fails and the diagnosis names the hunk).
enum HunkRelocation {
    /// Preimages larger than this are not searched.
    static let maxBlobBytes = 64 << 20

    struct Result {
        var text: String
        var offsets: [HunkOffset] = []
        /// Files with a hunk that git would not find either: path → that hunk's index.
        var unplaced: [String: Int] = [:]
        var changed: Bool { !offsets.isEmpty }
    }

    enum Placement: Equatable {
        /// libgit2 applies every hunk where its header says.
        case asStated
        /// The shift of each hunk's start numbers (0 for hunks that stay).
        case moved([Int])
        /// Git finds no place for this hunk (0-based) either.
        case unplaced(Int)
    }

    /// `text` is the diff in git form; `read` returns a file's content in the
    /// base tree (nil: absent or too large).
    static func relocate(_ text: String, label: String, read: (String) -> [UInt8]?) -> Result {
        let bytes = Array(text.utf8)
        let sections = DiffSections(bytes)
        var replacements: [Int: [UInt8]] = [:]
        var result = Result(text: text)
        var touched = Set<String>()
        for section in sections.files {
            defer { touched.formUnion([section.oldPath, section.newPath].compactMap { $0 }) }
            // A second section for a file patches the first one's result: not the base tree.
            guard let path = section.oldPath, section.valid, !section.hunks.isEmpty, !touched.contains(path),
                  let content = read(path) else { continue }
            let moved: [Int]
            switch place(section.hunks, in: content) {
            case .asStated: continue
            case .unplaced(let hunk): result.unplaced[path] = hunk; continue
            case .moved(let shifts): moved = shifts
            }
            for (i, (hunk, shift)) in zip(section.hunks, moved).enumerated() where shift != 0 {
                replacements[hunk.headerLine] = hunk.header(shiftedBy: shift)
                result.offsets.append(HunkOffset(patch: label, path: path, hunk: i + 1,
                                          line: hunk.searchLine + shift + 1, offset: shift))
            }
        }
        guard !replacements.isEmpty else { return result }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16 * replacements.count)
        for (i, range) in sections.lines.enumerated() {
            if i > 0 { out.append(UInt8(ascii: "\n")) }
            if let header = replacements[i] { out += header } else { out += bytes[range] }
        }
        result.text = String(decoding: out, as: UTF8.self)
        return result
    }

    /// Where git places each hunk of one file, compared with where libgit2 tries it.
    static func place(_ hunks: [DiffHunk], in content: [UInt8]) -> Placement {
        // As libgit2 does it: each hunk exactly at its new start in the image patched so far.
        var exact = HunkImage(content)
        var fitsAsStated = true
        for hunk in hunks {
            let p = min(hunk.searchLine, exact.count)
            guard exact.matches(hunk.preimage, at: p, avoidPatched: false) else { fitsAsStated = false; break }
            exact.replace(at: p, count: hunk.preimage.count, with: hunk.postimage)
        }
        if fitsAsStated { return .asStated }
        // As git apply does it.
        var image = HunkImage(content)
        var shifts: [Int] = []
        for (index, hunk) in hunks.enumerated() {
            let position: Int?
            if hunk.preimage.isEmpty {
                // Pure insertion (no context): where stated, moved as the previous hunk was.
                let p = hunk.searchLine + (shifts.last ?? 0)
                position = p >= 0 && p <= image.count ? p : nil
            } else {
                position = image.find(hunk.preimage, near: hunk.searchLine,
                                      beginning: hunk.oldStart <= 1, end: hunk.trailing == 0)
            }
            guard let position else { return .unplaced(index) }
            let shift = position - hunk.searchLine
            // A header libgit2 reads as "line 0" cannot be moved by editing its number.
            guard shift == 0 || (hunk.newStart > 0 && hunk.oldStart + shift >= 0) else { return .unplaced(index) }
            image.replace(at: position, count: hunk.preimage.count, with: hunk.postimage)
            shifts.append(shift)
        }
        return .moved(shifts)
    }
}

extension KernelRepository {
    /// Relocates the hunks of `text` against the files of `tree` (see HunkRelocation).
    func relocateHunks(_ text: String, label: String, tree: GitHandle) -> HunkRelocation.Result {
        HunkRelocation.relocate(text, label: label) { path in
            guard let oid = blobOID(tree: tree, path: path) else { return nil }
            return blobBytes(oid, limit: HunkRelocation.maxBlobBytes)
        }
    }

    /// A blob's bytes, or nil when it cannot be read or exceeds `limit`.
    func blobBytes(_ oid: git_oid, limit: Int) -> [UInt8]? {
        var id = oid
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, repo.pointer, &id) == 0, let blob else { return nil }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size <= limit else { return nil }
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }
}
