import Foundation

/// Diffs without a `diff --git` header, as `git apply` reads them: quilt and
/// `diff -u` output (`--- a/x` / `+++ b/x`, `--- linux.orig/x`) and CVS/svn
/// diffs (`Index: x` then `====`). Names lose their first component (-p1), as
/// `git am` does; an `Index:` diff whose `---`/`+++` names equal the `Index:`
/// name is taken as written (svn writes root-relative names without a prefix).
public enum TraditionalDiff {
    /// Where the next file's diff starts at `lines[i]`: a git header, an
    /// `Index:` header, or a `---` line directly followed by `+++`.
    public static func startsFile(_ lines: [String], at i: Int) -> Bool {
        let line = lines[i]
        if line.hasPrefix("diff --git ") { return true }
        if line.hasPrefix("Index: "), i + 1 < lines.count, lines[i + 1].hasPrefix("====") { return true }
        return line.hasPrefix("--- ") && i + 1 < lines.count && lines[i + 1].hasPrefix("+++ ")
    }

    /// The name on a `---`/`+++` line: no timestamp after a tab, unquoted.
    public static func rawName(_ field: Substring) -> String {
        var name = String(field)
        if let tab = name.firstIndex(of: "\t") { name = String(name[..<tab]) }
        // `diff -u` without tabs: "name  2024-05-01 10:00:00.000000000 +0200".
        if let range = name.range(of: #"\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4}$"#, options: .regularExpression) {
            name = String(name[..<range.lowerBound])
        }
        if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
        return name.trimmingCharacters(in: .whitespaces)
    }

    /// The tree path for a traditional diff name: `/dev/null` stays nil; the
    /// first component goes (-p1) unless the name is the `Index:` name.
    public static func treePath(_ name: String, index: String?) -> String? {
        guard name != "/dev/null" else { return nil }
        if let index, index == name { return name }
        guard let slash = name.firstIndex(of: "/") else { return name }
        let rest = String(name[name.index(after: slash)...])
        return rest.isEmpty ? nil : rest
    }

    /// The diff with every traditional file section rewritten as a git
    /// section (`diff --git a/P b/P`, new/deleted file modes); `Index:` and
    /// `====` lines dropped. Git sections and hunks pass through unchanged.
    public static func gitForm(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.contains(where: { $0.hasPrefix("--- ") }) else { return text }
        var out: [String] = []
        var inGitHeader = false
        var indexName: String?
        var oldLeft = 0, newLeft = 0
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if oldLeft > 0 || newLeft > 0 {
                if line.hasPrefix("+") { newLeft -= 1 } else if line.hasPrefix("-") { oldLeft -= 1 } else if !line.hasPrefix("\\") {
                    oldLeft -= 1; newLeft -= 1
                }
                out.append(line); i += 1; continue
            }
            if line.hasPrefix("diff --git ") {
                inGitHeader = true; indexName = nil
            } else if line.hasPrefix("@@ "), let (o, n) = hunkCounts(line) {
                inGitHeader = false; oldLeft = o; newLeft = n
            } else if line.hasPrefix("Index: ") && !inGitHeader {
                indexName = rawName(line.dropFirst("Index: ".count)); i += 1; continue
            } else if line.hasPrefix("====") && indexName != nil && !inGitHeader {
                i += 1; continue
            } else if line.hasPrefix("--- "), !inGitHeader, i + 1 < lines.count, lines[i + 1].hasPrefix("+++ ") {
                let creates = isEpoch(line) || onlyHunkIsEmpty(lines, at: i + 2, side: "-0,0")
                let deletes = isEpoch(lines[i + 1])
                let old = creates ? nil : treePath(rawName(line.dropFirst(4)), index: indexName)
                let new = deletes ? nil : treePath(rawName(lines[i + 1].dropFirst(4)), index: indexName)
                if let path = new ?? old {
                    out.append("diff --git a/\(old ?? path) b/\(path)")
                    if old == nil { out.append("new file mode 100644") }
                    if new == nil { out.append("deleted file mode 100644") }
                    out.append(old.map { "--- a/\($0)" } ?? "--- /dev/null")
                    out.append(new.map { "+++ b/\($0)" } ?? "+++ /dev/null")
                    indexName = nil
                    i += 2; continue
                }
            }
            out.append(line); i += 1
        }
        return out.joined(separator: "\n")
    }

    /// `diff -N`/quilt mark a missing side with the epoch as its timestamp; `git apply` reads it as /dev/null.
    public static func isEpoch(_ line: String) -> Bool {
        line.range(of: #"\s(1970-01-01 00:00:00|1969-12-31 \d\d:\d\d:\d\d)(\.0+)? [+-]\d{4}$"#, options: .regularExpression) != nil
    }

    /// The section has one hunk and it starts with `side` (`-0,0`): the file
    /// is created, as `git apply` decides for a traditional diff.
    static func onlyHunkIsEmpty(_ lines: [String], at i: Int, side: String) -> Bool {
        guard i < lines.count, lines[i].hasPrefix("@@ " + side + " "), let (o, n) = hunkCounts(lines[i]) else { return false }
        let next = i + 1 + o + n
        return next >= lines.count || !lines[next].hasPrefix("@@ ")
    }

    /// `@@ -a[,b] +c[,d] @@` → (b, d), counts defaulting to 1.
    public static func hunkCounts(_ line: String) -> (Int, Int)? {
        let fields = line.split(separator: " ")
        guard fields.count >= 3, fields[1].hasPrefix("-"), fields[2].hasPrefix("+") else { return nil }
        func count(_ f: Substring) -> Int? {
            let parts = f.dropFirst().split(separator: ",")
            guard let first = parts.first, Int(first) != nil else { return nil }
            return parts.count > 1 ? Int(parts[1]) : 1
        }
        guard let o = count(fields[1]), let n = count(fields[2]), o >= 0, n >= 0, o < 10_000_000, n < 10_000_000 else { return nil }
        return (o, n)
    }
}
