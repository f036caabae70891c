import Foundation
import KGateCore

/// The warnings of a configuration's object directory, by file. An incremental
/// build only prints warnings of what it recompiled; the index keeps the others,
/// so every build reports the warnings of its whole tree.
enum WarningIndex {
    static func update(_ url: URL, log: String, source: URL, objects: URL, succeeded: Bool) throws -> [BuildWarning] {
        var index: [String: [BuildWarning]] = [:]
        if let data = try? readBoundedFile(url, limit: 64 << 20, what: "warning index"),
           let decoded = try? JSONDecoder().decode([String: [BuildWarning]].self, from: data) {
            index = decoded
        }
        let fresh = Dictionary(grouping: BuildLog.warnings(in: log, source: source, objects: objects), by: \.file)
        for unit in BuildLog.compiledUnits(in: log) { index[unit] = fresh[unit] ?? [] }
        for (file, list) in fresh { index[file] = list }
        index = index.filter { !$0.value.isEmpty }
        if succeeded, let data = try? JSONEncoder().encode(index) {
            try? data.write(to: url, options: .atomic)
        }
        return index.keys.sorted().flatMap { index[$0] ?? [] }
    }
}
