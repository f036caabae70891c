import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

/// Hunks whose lines moved in the base: kgate places them where `git apply`
/// does (libgit2 alone tries only the stated line). Every case is checked
/// against the git CLI on the same file and diff.
@Suite(.tags(.unit)) struct HunkOffsetTests {
    static let path = "mm/vmscan.c"

    static func numbered(_ range: ClosedRange<Int>) -> [String] { range.map { "vmscan line \($0)" } }
    static func file(_ lines: [String], newline: Bool = true) -> String { lines.joined(separator: "\n") + (newline ? "\n" : "") }

    struct Outcome {
        var kgate: String?
        var git: String
        var offsets: [HunkOffset]
        var gitLog: String
    }

    /// Applies `diff` on a tree holding `content` at `path`, with kgate and with `git apply -v`.
    func both(_ content: String, diff: String) throws -> Outcome {
        var files = Fixture.base
        files[Self.path] = content
        let (repo, _) = try Fixture.repository(files)
        let base = try repo.resolve("HEAD")
        var offsets: [HunkOffset] = []
        let ids = try repo.apply([makePatch(1, of: 1, "mm: shifted", diff: diff)], onto: base, refName: "offset") {
            offsets.append($0)
        }
        let (git, log) = try Self.gitApply(content, diff: diff)
        return Outcome(kgate: try text(repo, ids[0], Self.path), git: git, offsets: offsets, gitLog: log)
    }

    /// Every offset kgate reports is the one `git apply -v` reports, and no other.
    func expectSameOffsets(_ outcome: Outcome, _ expected: [(hunk: Int, offset: Int)]) {
        #expect(outcome.kgate == outcome.git)
        #expect(outcome.offsets.map(\.hunk) == expected.map(\.hunk))
        #expect(outcome.offsets.map(\.offset) == expected.map(\.offset))
        for o in outcome.offsets {
            let git = "Hunk #\(o.hunk) succeeded at \(o.line) (offset \(o.offset) line"
            #expect(outcome.gitLog.contains(git), "\(outcome.gitLog)")
        }
        #expect(outcome.gitLog.components(separatedBy: "succeeded at").count - 1 == expected.count, "\(outcome.gitLog)")
    }

    static func git(_ arguments: [String], in dir: URL) throws -> ProcessResult {
        try ProcessRunner.run("git", ["-c", "core.autocrlf=false"] + arguments, cwd: dir)
    }

    /// `git diff` of `path` from `old` to `new`: a real git patch.
    static func gitDiff(_ old: String, _ new: String) throws -> String {
        let dir = try TestEnv.temporaryDirectory("gitdiff")
        let file = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(try git(["init", "-q"], in: dir).exitCode == 0)
        try Data(old.utf8).write(to: file)
        #expect(try git(["add", path], in: dir).exitCode == 0)
        try Data(new.utf8).write(to: file)
        let diff = try git(["diff"], in: dir)
        #expect(diff.exitCode == 0 && diff.stdout.contains("@@"))
        return diff.stdout
    }

    /// The file after `git apply -v`, and git's report.
    static func gitApply(_ content: String, diff: String) throws -> (String, String) {
        let dir = try TestEnv.temporaryDirectory("gitapply")
        let file = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(try git(["init", "-q"], in: dir).exitCode == 0)
        try Data(content.utf8).write(to: file)
        try Data(diff.utf8).write(to: dir.appendingPathComponent("p.diff"))
        let result = try git(["apply", "-v", "p.diff"], in: dir)
        #expect(result.exitCode == 0, "git apply: \(result.stderr)")
        return (String(decoding: try Data(contentsOf: file), as: UTF8.self), result.stderr)
    }

    static let written = numbered(1...60)
    /// Line 30 changed (one hunk at 27..33).
    static func lineThirtyPatch() throws -> String {
        var new = written
        new[29] = "vmscan line thirty, changed"
        return try gitDiff(file(written), file(new))
    }

    @Test func linesInsertedAboveShiftTheHunkDown() throws {
        let diff = try Self.lineThirtyPatch()
        let outcome = try both(Self.file(["new 1", "new 2", "new 3", "new 4"] + Self.written), diff: diff)
        expectSameOffsets(outcome, [(1, 4)])
        #expect(outcome.offsets.first?.line == 31)
        #expect(outcome.offsets.first?.description
            == "patch 1/1 'mm: shifted' mm/vmscan.c: hunk 1 applied at 31 (offset 4 lines)")
        #expect(outcome.kgate?.contains("vmscan line thirty, changed\n") == true)
    }

    @Test func linesRemovedAboveShiftTheHunkUp() throws {
        let diff = try Self.lineThirtyPatch()
        var base = Self.written
        base.removeSubrange(2..<7)
        let outcome = try both(Self.file(base), diff: diff)
        expectSameOffsets(outcome, [(1, -5)])
        #expect(outcome.offsets.first?.line == 22)
    }

    @Test func twoHunksShiftedByDifferentAmounts() throws {
        var new = Self.written
        new[44] = "vmscan line forty-five, changed"
        new.insert(contentsOf: ["inserted a", "inserted b"], at: 10) // hunk 1 adds two lines: hunk 2's new start is +2
        let diff = try Self.gitDiff(Self.file(Self.written), Self.file(new))
        #expect(diff.components(separatedBy: "\n@@ ").count == 3)
        var base = Self.written
        base.insert(contentsOf: ["moved 1", "moved 2", "moved 3"], at: 25) // between the hunks: hunk 2 only
        base.insert(contentsOf: ["top 1", "top 2"], at: 0) // above both
        let outcome = try both(Self.file(base), diff: diff)
        expectSameOffsets(outcome, [(1, 2), (2, 5)])
        #expect(outcome.kgate?.contains("vmscan line forty-five, changed\n") == true)
    }

    @Test func contextFoundNowhereStillFailsNamingFileAndHunk() throws {
        // Hunk 1 only moved (+3); hunk 2's context is gone. git rejects it; kgate names hunk 2, not hunk 1.
        var new = Self.written
        new[9] = "vmscan line ten, changed"
        new[44] = "vmscan line forty-five, changed"
        let diff = try Self.gitDiff(Self.file(Self.written), Self.file(new))
        let hunk2 = try #require(diff.components(separatedBy: "\n").filter { $0.hasPrefix("@@") }.last)
            .components(separatedBy: " @@").first.map { $0 + " @@" }
        var base = Self.written
        base[43] = "vmscan line 44 rewritten upstream"
        base.insert(contentsOf: ["top 1", "top 2", "top 3"], at: 0)
        var files = Fixture.base
        files[Self.path] = Self.file(base)
        let (repo, _) = try Fixture.repository(files)
        let head = try repo.resolve("HEAD")
        let error = #expect(throws: KGateError.self) {
            try repo.apply([makePatch(1, of: 1, "mm: stale", diff: diff)], onto: head, refName: "stale") { _ in }
        }
        #expect(error?.blame == .kernelUnderTest)
        #expect(error?.what.contains("1/1 'mm: stale'") == true)
        #expect(error?.what.contains("hunk \(hunk2 ?? "?") failed in mm/vmscan.c") == true)
        #expect(error?.location == "mm/vmscan.c: \(hunk2 ?? "?")")
        #expect(throws: KGateError.self) { try repo.resolve("refs/kgate/stale") }
        // git places hunk 1 at +3 and rejects hunk 2 as well.
        let dir = try TestEnv.temporaryDirectory("gitreject")
        #expect(try Self.git(["init", "-q"], in: dir).exitCode == 0)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("mm"), withIntermediateDirectories: true)
        try Data(Self.file(base).utf8).write(to: dir.appendingPathComponent(Self.path))
        try Data(diff.utf8).write(to: dir.appendingPathComponent("p.diff"))
        let rejected = try Self.git(["apply", "--check", "-v", "p.diff"], in: dir)
        #expect(rejected.exitCode != 0)
        #expect(rejected.stderr.contains("Hunk #1 succeeded at 10 (offset 3 lines)"), "\(rejected.stderr)")
    }

    @Test func twoMatchesPickTheNearestToTheStatedLine() throws {
        let diff = try Self.lineThirtyPatch() // hunk at 0-based 26..<33
        let block = Array(Self.written[26..<33])
        // Copies 4 lines before (22) and 3 lines after (29) the stated line: git takes +3.
        let near = Array(Self.written[0..<22]) + block + block + Array(Self.written[33...])
        expectSameOffsets(try both(Self.file(near), diff: diff), [(1, 3)])
        // Copies 7 before and 7 after: a tie, git tries forward first.
        let tie = Array(Self.written[0..<19]) + block + Array(repeating: "filler", count: 7) + block + Array(Self.written[33...])
        expectSameOffsets(try both(Self.file(tie), diff: diff), [(1, 7)])
    }

    @Test func eachHunkIsSearchedFromItsOwnStatedLine() throws {
        // Hunk 1 moved +5; hunk 2's context is both at -2 and at +5. git does not carry hunk 1's
        // offset over: it takes -2 (nearest to hunk 2's own line).
        var new = Self.written
        new[9] = "vmscan line ten, changed"
        new[29] = "vmscan line thirty, changed"
        let diff = try Self.gitDiff(Self.file(Self.written), Self.file(new))
        var base = ["top 1", "top 2", "top 3", "top 4", "top 5"] + Self.written
        base.replaceSubrange(24..<31, with: Self.written[26..<33])
        let outcome = try both(Self.file(base), diff: diff)
        expectSameOffsets(outcome, [(1, 5), (2, -2)])
    }

    @Test func aLaterHunkMayMatchAboveAnEarlierOne() throws {
        // Upstream moved the block of hunk 2 above hunk 1: git applies both (hunk 2 at -20).
        var new = Self.written
        new[9] = "vmscan line ten, changed"
        new[29] = "vmscan line thirty, changed"
        let diff = try Self.gitDiff(Self.file(Self.written), Self.file(new))
        let base = Array(Self.written[0..<6]) + Self.written[26..<33] + Self.written[6..<26] + Self.written[33...]
        expectSameOffsets(try both(Self.file(base), diff: diff), [(1, 7), (2, -20)])
    }

    @Test func noNewlineAtEndOfFileIsKept() throws {
        let old = Self.file(Self.numbered(1...20), newline: false)
        var lines = Self.numbered(1...20)
        lines[19] = "vmscan last line, changed"
        let diff = try Self.gitDiff(old, Self.file(lines, newline: false))
        #expect(diff.contains("\\ No newline at end of file"))
        let base = Self.file(["top 1", "top 2", "top 3"] + Self.numbered(1...20), newline: false)
        let outcome = try both(base, diff: diff)
        expectSameOffsets(outcome, [(1, 3)])
        #expect(outcome.kgate?.hasSuffix("vmscan line 19\nvmscan last line, changed") == true)
    }

    @Test func onlyTheHunkHeadersChange() throws {
        let diff = try Self.lineThirtyPatch() + "diff --git a/net/new.c b/net/new.c\nnew file mode 100644\n"
            + "index 0000000..3b18e51\n--- /dev/null\n+++ b/net/new.c\n@@ -0,0 +1 @@\n+int x;\n"
        let content = Array(Self.file(["a", "b"] + Self.written).utf8)
        let result = HunkRelocation.relocate(diff, label: "1/1 'x'") { $0 == Self.path ? content : nil }
        let before = diff.components(separatedBy: "\n"), after = result.text.components(separatedBy: "\n")
        #expect(before.count == after.count)
        let changed = zip(before, after).filter { $0 != $1 }
        #expect(changed.count == 1)
        #expect(changed.first?.0 == "@@ -27,7 +27,7 @@ vmscan line 26")
        #expect(changed.first?.1 == "@@ -29,7 +29,7 @@ vmscan line 26")
        // A file that needs no move, or that is missing, is not touched.
        #expect(HunkRelocation.relocate(diff, label: "x") { _ in Array(Self.file(Self.written).utf8) }.text == diff)
        #expect(HunkRelocation.relocate(diff, label: "x") { _ in nil }.text == diff)
    }
}
