import CLibGit2
import Foundation

/// Reads one delta's hunks from a parsed diff for error reports: the header,
/// an excerpt, and where the hunk's old lines stop matching the file.
struct HunkReader {
    struct Hunk {
        var header: String
        var oldStart: Int
        /// Lines with their origin (' ', '-', '+').
        var lines: [(origin: Character, text: String)]
    }

    private(set) var hunks: [Hunk] = []

    init(diff: OpaquePointer, delta: Int) {
        var patch: OpaquePointer?
        guard git_patch_from_diff(&patch, diff, delta) == 0, let patch else { return }
        defer { git_patch_free(patch) }
        for h in 0..<git_patch_num_hunks(patch) {
            var hunkPointer: UnsafePointer<git_diff_hunk>?
            var lineCount = 0
            guard git_patch_get_hunk(&hunkPointer, &lineCount, patch, h) == 0, let hunk = hunkPointer?.pointee else { continue }
            let header = withUnsafeBytes(of: hunk.header) { raw in
                String(decoding: raw.prefix(min(Int(hunk.header_len), raw.count)), as: UTF8.self)
            }.trimmingCharacters(in: .whitespacesAndNewlines)
            var lines: [(Character, String)] = []
            for l in 0..<lineCount {
                var linePointer: UnsafePointer<git_diff_line>?
                guard git_patch_get_line_in_hunk(&linePointer, patch, h, l) == 0, let line = linePointer?.pointee,
                      let content = line.content else { continue }
                let origin = Character(UnicodeScalar(UInt8(bitPattern: line.origin)))
                let bytes = UnsafeRawBufferPointer(start: content, count: line.content_len)
                var text = String(decoding: bytes, as: UTF8.self)
                if text.hasSuffix("\n") { text.removeLast() }
                lines.append((origin, text))
            }
            hunks.append(Hunk(header: header, oldStart: Int(hunk.old_start), lines: lines))
        }
    }

    var count: Int { hunks.count }

    /// `@@ -a,b +c,d @@` (without the function context git appends).
    func header(_ i: Int) -> String {
        let full = hunks[i].header
        guard let end = full.range(of: " @@", range: full.index(full.startIndex, offsetBy: min(2, full.count))..<full.endIndex)
        else { return full }
        return String(full[..<end.upperBound])
    }

    /// The hunk as it appears in the patch, at most 16 lines.
    func excerpt(_ i: Int) -> String {
        let h = hunks[i]
        var out = [h.header]
        for line in h.lines.prefix(16) where line.origin == " " || line.origin == "-" || line.origin == "+" {
            out.append("\(line.origin)\(line.text)")
        }
        if h.lines.count > 16 { out.append("… (\(h.lines.count - 16) more lines)") }
        return out.joined(separator: "\n")
    }

    /// Compares the hunk's old side (context and removed lines) with the file
    /// at the hunk's position and says where they first differ.
    func mismatch(_ i: Int, against content: Data) -> String? {
        let h = hunks[i]
        let fileLines = String(decoding: content, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let old = h.lines.filter { $0.origin == " " || $0.origin == "-" }.map(\.text)
        guard !old.isEmpty else { return nil }
        let start = max(h.oldStart - 1, 0)
        for (k, expected) in old.enumerated() {
            let n = start + k
            guard n < fileLines.count else {
                return "the file has \(fileLines.count) lines; the hunk expects line \(n + 1): \(expected)"
            }
            if fileLines[n] != expected {
                return "line \(n + 1): the patch expects\n  \(expected)\nbut the file has\n  \(fileLines[n])"
            }
        }
        return nil
    }
}
