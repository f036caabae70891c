import KGateCore

/// One hunk of a git-form diff as `git apply` reads it: the old lines it must
/// find (context and '-', each with its newline unless "\ No newline at end of
/// file" follows it) and the new lines that replace them.
struct DiffHunk {
    /// Index of the `@@` line in the diff's lines.
    var headerLine: Int
    var oldStart: Int
    var newStart: Int
    var preimage: [ArraySlice<UInt8>] = []
    var postimage: [ArraySlice<UInt8>] = []
    /// Context lines after the last change (0: the hunk must end the file, in git).
    var trailing = 0
    /// The header's bytes around the two start numbers, kept as written.
    private var oldCountText: ArraySlice<UInt8>
    private var newCountText: ArraySlice<UInt8>
    private var rest: ArraySlice<UInt8>

    /// Where git and libgit2 look for the hunk: `new_start - 1` in the file patched so far.
    var searchLine: Int { newStart > 0 ? newStart - 1 : 0 }

    /// The header with both start numbers moved by `shift`, the rest byte-identical.
    func header(shiftedBy shift: Int) -> [UInt8] {
        Array("@@ -\(oldStart + shift)".utf8) + oldCountText + Array(" +\(newStart + shift)".utf8) + newCountText + rest
    }

    /// Reads the hunk whose header is `lines[at]`; returns it and the index of
    /// the line after it, or nil when the header or body is malformed.
    static func read(_ bytes: [UInt8], lines: [Range<Int>], at start: Int) -> (DiffHunk, Int)? {
        let header = bytes[lines[start]]
        guard header.starts(with: "@@ -".utf8) else { return nil }
        var cursor = header.startIndex + 4
        func number() -> Int? {
            let from = cursor
            while cursor < header.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(header[cursor]) {
                cursor += 1
            }
            guard cursor > from, cursor - from <= 9 else { return nil }
            return Int(String(decoding: header[from..<cursor], as: UTF8.self))
        }
        func count() -> (Int, ArraySlice<UInt8>)? {
            guard cursor < header.endIndex, header[cursor] == UInt8(ascii: ",") else { return (1, header[cursor..<cursor]) }
            let from = cursor
            cursor += 1
            guard let n = number() else { return nil }
            return (n, header[from..<cursor])
        }
        guard let oldStart = number(), let (oldCount, oldText) = count(),
              header[cursor...].starts(with: " +".utf8) else { return nil }
        cursor += 2
        guard let newStart = number(), let (newCount, newText) = count(),
              header[cursor...].starts(with: " @@".utf8) else { return nil }
        var hunk = DiffHunk(headerLine: start, oldStart: oldStart, newStart: newStart, oldCountText: oldText,
                            newCountText: newText, rest: header[cursor...])

        var oldLeft = oldCount, newLeft = newCount
        var last: UInt8 = 0
        var j = start + 1
        func content(_ k: Int) -> ArraySlice<UInt8> {
            let r = lines[k]
            let newline = k < lines.count - 1 ? 1 : 0
            return bytes[(r.isEmpty ? r.lowerBound : r.lowerBound + 1)..<(r.upperBound + newline)]
        }
        func dropNewline(_ side: inout [ArraySlice<UInt8>]) {
            guard let i = side.indices.last, side[i].last == UInt8(ascii: "\n") else { return }
            side[i] = side[i].dropLast()
        }
        func noNewline() {
            if last == UInt8(ascii: " ") || last == UInt8(ascii: "-") { dropNewline(&hunk.preimage) }
            if last == UInt8(ascii: " ") || last == UInt8(ascii: "+") { dropNewline(&hunk.postimage) }
        }
        while oldLeft > 0 || newLeft > 0 {
            guard j < lines.count else { return nil }
            // An empty line is a blank context line whose space a mailer dropped (git reads it so).
            let origin = lines[j].isEmpty ? UInt8(ascii: " ") : bytes[lines[j].lowerBound]
            switch origin {
            case UInt8(ascii: " "):
                hunk.preimage.append(content(j)); hunk.postimage.append(content(j))
                oldLeft -= 1; newLeft -= 1; hunk.trailing += 1
            case UInt8(ascii: "-"):
                hunk.preimage.append(content(j)); oldLeft -= 1; hunk.trailing = 0
            case UInt8(ascii: "+"):
                hunk.postimage.append(content(j)); newLeft -= 1; hunk.trailing = 0
            case UInt8(ascii: "\\"):
                noNewline()
            default:
                return nil
            }
            if origin != UInt8(ascii: "\\") { last = origin }
            guard oldLeft >= 0, newLeft >= 0 else { return nil }
            j += 1
        }
        if j < lines.count, !lines[j].isEmpty, bytes[lines[j].lowerBound] == UInt8(ascii: "\\") {
            noNewline()
            j += 1
        }
        return (hunk, j)
    }
}

/// The file sections (`diff --git`) of a git-form diff, with their hunks, and
/// the diff's lines (byte ranges without the newline) to rewrite it.
struct DiffSections {
    struct File {
        /// Paths from the `---`/`+++` lines without a/ and b/ (nil: /dev/null or absent).
        var oldPath: String?
        var newPath: String?
        var hunks: [DiffHunk] = []
        /// False when a hunk could not be read: the section is left alone.
        var valid = true
    }

    let lines: [Range<Int>]
    private(set) var files: [File] = []

    init(_ bytes: [UInt8]) {
        var lines: [Range<Int>] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(start..<i)
            start = i + 1
        }
        lines.append(start..<bytes.count)
        self.lines = lines

        var current = File()
        var inSection = false, inHeader = false
        var i = 0
        while i < lines.count {
            let line = bytes[lines[i]]
            if line.starts(with: "diff --git ".utf8) {
                if inSection { files.append(current) }
                current = File()
                inSection = true; inHeader = true
            } else if inSection, line.starts(with: "@@ -".utf8) {
                inHeader = false
                if let (hunk, next) = DiffHunk.read(bytes, lines: lines, at: i) {
                    current.hunks.append(hunk)
                    i = next
                    continue
                }
                current.valid = false
            } else if inHeader, line.starts(with: "--- ".utf8) {
                current.oldPath = Self.path(line.dropFirst(4), prefix: "a/")
            } else if inHeader, line.starts(with: "+++ ".utf8) {
                current.newPath = Self.path(line.dropFirst(4), prefix: "b/")
            }
            i += 1
        }
        if inSection { files.append(current) }
    }

    static func path(_ field: ArraySlice<UInt8>, prefix: String) -> String? {
        var name = TraditionalDiff.rawName(Substring(String(decoding: field, as: UTF8.self)))
        if name.hasSuffix("\r") { name.removeLast() }
        guard name != "/dev/null" else { return nil }
        return name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
    }
}
