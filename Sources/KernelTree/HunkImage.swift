/// A file as `git apply` sees it while applying one file's hunks in order:
/// lines with their terminator, and which lines earlier hunks wrote (a later
/// hunk may not match over those). Positions are 0-based line indexes in the
/// partly patched file, the coordinates of a hunk's new start, which is also
/// where libgit2 looks for it (`new_start - 1`).
struct HunkImage {
    private(set) var lines: [ArraySlice<UInt8>]
    private var patched: [Bool]
    /// Line comparisons left before the search gives up (bounds pathological files).
    private(set) var budget: Int

    init(_ content: [UInt8], budget: Int = 50_000_000) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, byte) in content.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(content[start...i])
            start = i + 1
        }
        if start < content.count { lines.append(content[start...]) }
        self.lines = lines
        self.patched = Array(repeating: false, count: lines.count)
        self.budget = budget
    }

    var count: Int { lines.count }

    /// The old side of a hunk matches at `p`, byte for byte (fuzz 0). With
    /// `avoidPatched`, lines written by an earlier hunk never match (git's
    /// LINE_PATCHED); libgit2 does not check that.
    mutating func matches(_ pre: [ArraySlice<UInt8>], at p: Int, avoidPatched: Bool = true) -> Bool {
        guard p >= 0, p + pre.count <= lines.count else { return false }
        for (i, line) in pre.enumerated() {
            budget -= 1
            if budget < 0 || (avoidPatched && patched[p + i]) || lines[p + i] != line { return false }
        }
        return true
    }

    /// Where `git apply` (fuzz 0) puts a hunk stated at `line`: that line,
    /// then +1, -1, +2, -2, … within the file. A hunk that starts the file
    /// (`beginning`) must match at 0; one without trailing context (`end`)
    /// must end at the file's end (git's match_beginning and match_end).
    mutating func find(_ pre: [ArraySlice<UInt8>], near line: Int, beginning: Bool, end: Bool) -> Int? {
        if beginning || end {
            let p = beginning ? 0 : lines.count - pre.count
            guard !end || p + pre.count == lines.count else { return nil }
            return matches(pre, at: p) ? p : nil
        }
        let center = min(max(line, 0), lines.count)
        if matches(pre, at: center) { return center }
        var k = 1
        while center + k <= lines.count || center - k >= 0 {
            guard budget > 0 else { return nil }
            if center + k <= lines.count, matches(pre, at: center + k) { return center + k }
            if center - k >= 0, matches(pre, at: center - k) { return center - k }
            k += 1
        }
        return nil
    }

    /// Replaces the hunk's old lines at `p` with its new lines, marked as patched.
    mutating func replace(at p: Int, count: Int, with post: [ArraySlice<UInt8>]) {
        lines.replaceSubrange(p..<(p + count), with: post)
        patched.replaceSubrange(p..<(p + count), with: Array(repeating: true, count: post.count))
    }
}
