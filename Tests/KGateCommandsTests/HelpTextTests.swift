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

    /// `--name <type>` (or `--name` alone for a flag) for each option line of a help text.
    static func options(_ help: String) -> [(name: String, type: String)] {
        var out: [(String, String)] = []
        for line in help.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // Option lines start in column 2; prose continuation lines are indented further.
            guard line.hasPrefix("  "), !line.hasPrefix("   "), trimmed.hasPrefix("-") else { continue }
            for part in trimmed.components(separatedBy: "  ")[0].split(separator: ",") {
                let words = part.split(separator: " ")
                guard let name = words.first, name.hasPrefix("--") else { continue }
                let type = words.count > 1 ? String(words[1]).replacingOccurrences(of: "...", with: "") : "flag"
                out.append((String(name), type))
            }
        }
        return out
    }

    /// One grammar: a flag name means one thing, so it shows one value type in
    /// every verb; the shared groups show the types docs/DESIGN.md names.
    @Test func aFlagHasOneTypeAcrossVerbs() throws {
        var types: [String: [String: Set<String>]] = [:]
        for (path, text) in try helps() {
            for (name, type) in Self.options(text) { types[name, default: [:]][type, default: []].insert(path) }
        }
        for (name, byType) in types.sorted(by: { $0.key < $1.key }) where byType.count > 1 {
            Issue.record("\(name) has \(byType.count) types: \(byType.mapValues { $0.sorted() })")
        }
        let expected = [
            "--pipeline": "<name|file>", "--threshold": "<percent>", "--mode": "<mode>", "--pairing": "<pairing>",
            "--report-dir": "<dir>", "--trials": "<n>", "--trial-range": "<A-B>", "--only-workload": "<name>",
            "--workload": "<name|file>", "--format": "<format>", "--noise": "<noise>", "--tree": "<name>",
        ]
        // ArgumentParser's own spelling of a camel-case name ("minFreeGiB" → --min-free-gi-b) is never the grammar.
        for name in types.keys { #expect(!name.hasSuffix("-b") && !name.contains("-gi-"), "\(name): name it explicitly") }
        for (name, type) in expected {
            #expect(types[name].map { Set($0.keys) } == [type], "\(name): \(types[name].map { Array($0.keys) } ?? [])")
        }
    }

    @Test func theOptionParserReadsFlagsAndTypes() {
        let help = "OPTIONS:\n  --cache <dir>           Cache directory.\n  -v, --verbose           Print.\n  --mode <mode>           Mode. (values: auto, kvm)\n                          --series takes a file\n"
        let parsed = Self.options(help).map { "\($0.name) \($0.type)" }
        #expect(parsed == ["--cache <dir>", "--verbose flag", "--mode <mode>"])
    }
}
