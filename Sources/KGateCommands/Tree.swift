import ArgumentParser
import Foundation
import KGateCore
import KernelTree

/// `kgate tree import|add|list`.
struct Tree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree", abstract: "Manage kernel trees (import, add, list).",
        subcommands: [TreeImport.self, TreeAdd.self, TreeList.self])
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
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
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
        try reportingErrors(global) {
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
        try reportingErrors(global) {
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
        try reportingErrors(global) {
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
