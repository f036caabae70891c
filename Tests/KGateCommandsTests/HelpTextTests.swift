import Foundation
import KGateCore
import Testing
import TestSupport

/// Every verb's help reads as prose: ArgumentParser wraps paragraphs to the
/// terminal, so a newline inside a sentence in the source shows as a short
/// line followed by the sentence's continuation.
@Suite(.tags(.unit)) struct HelpTextTests {
    /// `kgate [path] --help` for the root, every verb and every sub-verb.
    func helps() throws -> [(String, String)] {
        var out: [(String, String)] = []
        var queue: [[String]] = [[]]
        while let path = queue.popLast() {
            let r = try TestEnv.kgate(path + ["--help"], environment: ["COLUMNS": "80"])
            #expect(r.exitCode == 0, "kgate \(path.joined(separator: " ")) --help")
            out.append((path.joined(separator: " "), r.stdout))
            guard let start = r.stdout.range(of: "SUBCOMMANDS:\n") else { continue }
            for line in r.stdout[start.upperBound...].split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = fields.first,
                      name.allSatisfy({ $0.isLowercase || $0 == "-" }), name != "help" else { continue }
                queue.append(path + [String(name)])
            }
        }
        return out
    }

    /// A line of prose that stops well short of the wrap width although the next
    /// line continues the same sentence (starts in lower case, same indentation).
    static func hardBreaks(_ text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [String] = []
        for (line, next) in zip(lines, lines.dropFirst()) {
            let indent = line.prefix { $0 == " " }.count
            let nextIndent = next.prefix { $0 == " " }.count
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // Prose is at column 0 (overview, discussion) or beside an option (24+);
            // indented example commands in between are not prose.
            guard !trimmed.isEmpty, indent == nextIndent, indent == 0 || indent >= 20, line.count < 56,
                  let first = next.trimmingCharacters(in: .whitespaces).first, first.isLowercase,
                  let last = trimmed.last, !".:;)`".contains(last) else { continue }
            found.append(line + "⏎" + next)
        }
        return found
    }

    @Test func theDetectorSeesABreakInsideASentence() {
        let wrapped = "Replicates are seeded boots: trial k of base and trial k of candidate are\none boot each with the same seed k.\n"
        #expect(Self.hardBreaks(wrapped).isEmpty)
        #expect(Self.hardBreaks("Replicates are seeded boots: trial k of base and trial k of candidate are\none boot\neach with the same seed k.\n").count == 1)
        #expect(Self.hardBreaks("A short line that stops\nand goes on here.\n").count == 1)
        #expect(Self.hardBreaks("Usage:\n  kgate run\n  git bisect run kgate\n\nNext paragraph.\n").isEmpty)
    }

    @Test func noVerbBreaksASentence() throws {
        let all = try helps()
        #expect(all.count >= 15, "root, 14 verbs and their sub-verbs")
        for (path, text) in all {
            #expect(Self.hardBreaks(text).isEmpty, "kgate \(path) --help: \(Self.hardBreaks(text))")
        }
    }
}
