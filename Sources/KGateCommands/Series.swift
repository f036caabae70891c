import ArgumentParser
import Foundation
import KGateCore
import KernelTree
import PatchSeries
import Pipeline

/// The series verbs' source: a positional source (the same as --series) plus the
/// shared series options, and the mbox flavour.
struct SeriesVerbSource: ParsableArguments {
    @Argument(help: ArgumentHelp("The same as --series: an mbox, a .patch/.eml mail, a git format-patch directory, or a message-id.",
                                 valueName: "source"))
    var source: String?

    @OptionGroup var from: SeriesSourceOptions

    @Flag(name: .long, help: "The mbox is mboxo (only '>From ' is unescaped); default mboxrd.")
    var mboxo = false

    func load() throws -> PatchSeries.Series {
        let (source, patchwork) = try from.resolve(positional: source)
        let loader = SeriesLoader(loreURL: from.loreURL, mboxFormat: mboxo ? .mboxo : .mboxrd)
        let series = try loader.load(source: source, patchwork: patchwork)
        Console.shared.clear()
        // Nothing is left out silently: dropped messages and unapplied trailers go to stderr (and --json).
        for line in series.report.lines { Console.shared.line("series: \(line)") }
        return series
    }
}

/// `kgate series`: show or apply a patch series.
struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series", abstract: "Show or apply a patch series.",
        discussion: SeriesHelp.discussion,
        subcommands: [SeriesShow.self, SeriesApply.self])
}

/// `kgate series show <source> [--json]`.
struct SeriesShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Assemble a series and print it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var from: SeriesVerbSource
    @Flag(name: .long, help: "Print the series as JSON.") var json = false

    func run() throws {
        try reportingErrors(global, verb: "series show") {
            let series = try from.load()
            if json {
                emit(String(decoding: try series.json(), as: UTF8.self))
            } else {
                emit(series.summary())
            }
            return 0
        }
    }
}

/// `kgate series apply <source> [--tree T] [--base REV] [--ref NAME]`: one commit
/// per patch on the base; the final commit id is the last stdout line.
struct SeriesApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Apply a series on a tree's base revision (am-style, one commit per patch).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var from: SeriesVerbSource
    @OptionGroup var treeOption: TreeOption
    @Option(name: .long, help: ArgumentHelp("The base revision (default: the series' base-commit).", valueName: "rev"))
    var base: String?
    @Option(name: .long, help: ArgumentHelp("The ref to point at the result (default refs/kgate/series/<patchset-hash>).", valueName: "ref"))
    var ref: String?

    func run() throws {
        try reportingErrors(global, verb: "series apply") {
            let series = try from.load()
            guard let baseRev = base ?? series.baseCommit else {
                throw KGateError.usage("the series names no base-commit", fix: "pass --base <rev>")
            }
            let refName = try SeriesApply.refName(ref, series: series)
            let tree = try treeOption.tree ?? DefaultTree.ensure(paths: global.paths)
            let repo = try TreeStore(paths: global.paths).open(tree)
            let baseOID = try repo.resolve(baseRev)
            Console.shared.line("series: applying \(series.patches.count) patch(es) v\(series.version) on \(baseOID.prefix(12)) (\(tree))")
            let commits = try repo.apply(series.patchesToApply(), onto: baseOID, refName: refName)
            guard let last = commits.last else {
                throw KGateError.infrastructure("applying the series produced no commit", location: tree)
            }
            for (patch, commit) in zip(series.patches, commits) {
                Console.shared.line("  \(commit.prefix(12)) \(patch.index)/\(patch.total) \(patch.subject)")
            }
            Console.shared.line("series: refs/kgate/\(refName)")
            emit(last)
            return 0
        }
    }

    /// `--ref` as a name under refs/kgate/ ("refs/kgate/x" and "x" are the same); validated.
    static func refName(_ option: String?, series: PatchSeries.Series) throws -> String {
        guard var name = option else { return series.defaultRefName }
        if name.hasPrefix("refs/kgate/") { name.removeFirst("refs/kgate/".count) }
        let bad = name.isEmpty || name.hasPrefix("/") || name.hasSuffix("/") || name.hasSuffix(".lock")
            || name.contains("..") || name.contains("//") || name.contains("@{")
            || name.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7f || "~^:?*[\\".unicodeScalars.contains($0) }
        if bad {
            throw KGateError.usage("invalid ref name '\(name)'", fix: "use a git ref name like series/my-fix")
        }
        return name
    }
}
