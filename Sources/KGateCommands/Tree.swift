import ArgumentParser
import Foundation
import KGateCore
import KernelTree

/// `kgate tree import|add|list`.
struct Tree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree", abstract: "Manage kernel trees (import, add, list).",
        subcommands: [TreeImport.self, TreeAdd.self, TreeList.self, TreeCheckout.self, TreeApply.self])
}

/// One tree as `list`/`import`/`add` print it.
struct TreeRow: Codable {
    var name: String
    var path: String
    var kind: String
    var source: String?
    var head: String?

    init(_ info: TreeInfo) {
        name = info.name; path = info.path; kind = info.kind.rawValue; source = info.source
        head = (try? KernelRepository.openHead(info))
    }

    var line: String { "\(name)\t\(kind)\t\(head ?? "-")\t\(path)" }
}

func emitJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    emit(String(decoding: data, as: UTF8.self))
}

struct TreeImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a kernel source tarball (.tar.xz/.tar.gz/.tar) or directory as a one-commit tree.",
        discussion: "Idempotent: the same source under an existing name returns the existing tree.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The tarball or directory.") var source: String
    @Option(help: "Tree name (default: derived from the source, e.g. linux-source-6.12).") var name: String?
    @Flag(help: "Print the tree as JSON.") var json = false

    func run() throws {
        try reportingErrors(global, verb: "tree import") {
            let url = URL(fileURLWithPath: source)
            let info = try TreeStore(paths: global.paths).importSource(url, name: name ?? TreeStore.defaultName(for: url))
            let row = TreeRow(info)
            if json { try emitJSON(row) } else { emit(row.line) }
            return 0
        }
    }
}

struct TreeAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register an existing clone (bare or not) without copying it.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The clone's directory.") var path: String
    @Option(help: "Tree name (default: the directory's name).") var name: String?
    @Flag(help: "Print the tree as JSON.") var json = false

    func run() throws {
        try reportingErrors(global, verb: "tree add") {
            let url = URL(fileURLWithPath: path)
            let info = try TreeStore(paths: global.paths).add(path: url, name: name ?? TreeStore.defaultName(for: url))
            let row = TreeRow(info)
            if json { try emitJSON(row) } else { emit(row.line) }
            return 0
        }
    }
}

struct TreeList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List registered trees: name, kind, head commit, path.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors(global, verb: "tree list") {
            let rows = try TreeStore(paths: global.paths).list().map(TreeRow.init)
            if json {
                try emitJSON(rows)
            } else {
                for row in rows { emit(row.line) }
            }
            return 0
        }
    }
}

/// `kgate tree checkout`: the persistent worktree at a revision (incremental).
struct TreeCheckout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Check a revision out into the tree's persistent worktree, writing only changed files.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tree name.") var name: String
    @Argument(help: "Revision (branch, tag, id, HEAD~N).") var revision: String = "HEAD"
    @Option(help: "Seconds to wait for another run's lock on the worktree.") var lockTimeout: Double = 600

    func run() throws {
        try reportingErrors(global, verb: "tree checkout") {
            let repo = try TreeStore(paths: global.paths).open(name)
            let wt = try repo.checkout(revision, paths: global.paths, lockTimeout: lockTimeout)
            defer { wt.release() }
            Console.shared.line(String(format: "checkout %@ %@: %d written, %d removed, %.2f s", name, wt.commit,
                                       wt.stats.filesWritten, wt.stats.filesRemoved, wt.stats.seconds))
            emit("\(wt.commit)\t\(wt.url.path)")
            return 0
        }
    }
}

/// `kgate tree apply`: plain diff files as commits under refs/kgate/<ref>
/// (mail series go through `kgate series`; this is for hand-made diffs).
struct TreeApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Apply plain git-format diff files as one commit each under refs/kgate/<ref>.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tree name.") var name: String
    @Option(help: "Base revision.") var onto: String = "HEAD"
    @Option(help: "Ref name under refs/kgate/.") var ref: String
    @Argument(help: "Diff files, in order.") var diffs: [String]

    func run() throws {
        try reportingErrors(global, verb: "tree apply") {
            let patches = try diffs.enumerated().map { i, path -> PatchToApply in
                let url = URL(fileURLWithPath: path)
                let data = try readBoundedFile(url, limit: 64 << 20, what: "diff")
                let subject = url.lastPathComponent
                return PatchToApply(label: "\(i + 1)/\(diffs.count) '\(subject)'", authorName: "kgate",
                                    authorEmail: "kgate@localhost", date: Date(timeIntervalSince1970: 1_700_000_000),
                                    timezoneOffsetMinutes: 0, message: "Apply \(subject)\n",
                                    diff: String(decoding: data, as: UTF8.self))
            }
            let ids = try TreeStore(paths: global.paths).open(name).apply(patches, onto: onto, refName: ref)
            for id in ids { emit(id) }
            return 0
        }
    }
}
