import CLibGit2
import Foundation
import KGateCore

/// The registry of trees under the cache (`trees/registry.json`).
public final class TreeStore: Sendable {
    public let paths: CachePaths

    public init(paths: CachePaths) { self.paths = paths }

    private struct Registry: Codable {
        var trees: [TreeInfo] = []
    }

    /// All registered trees, sorted by name.
    public func list() throws -> [TreeInfo] {
        try readRegistry().trees.sorted { $0.name < $1.name }
    }

    /// The registered tree `name`, or nil.
    public func info(_ name: String) throws -> TreeInfo? {
        try readRegistry().trees.first { $0.name == name }
    }

    /// Opens a registered tree.
    public func open(_ name: String) throws -> KernelRepository {
        guard let info = try info(name) else {
            throw KGateError.usage("no tree named '\(name)'", location: paths.treeRegistry.path,
                                   fix: "run 'kgate tree list', or 'kgate tree import <tarball> --name \(name)'")
        }
        return try KernelRepository(info: info)
    }

    /// Registers a user's existing clone without copying it.
    @discardableResult
    public func add(path: URL, name: String) throws -> TreeInfo {
        try Self.validateName(name)
        Git.ensureInitialized()
        let standardized = path.standardizedFileURL.resolvingSymlinksInPath()
        // Validate: libgit2 must open it (bare or not), and it must not be one of ours.
        var raw: OpaquePointer?
        let rc = git_repository_open_ext(&raw, standardized.path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        if rc < 0 {
            throw KGateError.usage("not a git repository: \(Git.lastErrorMessage())", location: standardized.path,
                                   fix: "pass the top directory of a clone (or a bare .git directory)")
        }
        git_repository_free(raw)
        let info = TreeInfo(name: name, path: standardized.path, kind: .external, source: nil)
        return try withRegistryLock {
            var registry = try readRegistry()
            if let existing = registry.trees.first(where: { $0.name == name }) {
                if existing.kind == .external && existing.path == info.path { return existing }
                throw KGateError.usage("a tree named '\(name)' already exists (\(existing.kind.rawValue), \(existing.path))",
                                       location: paths.treeRegistry.path, fix: "choose another --name")
            }
            registry.trees.append(info)
            try writeRegistry(registry)
            return info
        }
    }

    // MARK: registry file

    private func readRegistry() throws -> Registry {
        let url = paths.treeRegistry
        guard FileManager.default.fileExists(atPath: url.path) else { return Registry() }
        let data = try readBoundedFile(url, limit: 16 << 20, what: "tree registry")
        do {
            return try JSONDecoder().decode(Registry.self, from: data)
        } catch {
            throw KGateError.infrastructure("tree registry is corrupt: \(error)", location: url.path,
                                            fix: "remove or repair the file; trees under \(paths.trees.path) can be re-added", cause: error)
        }
    }

    private func writeRegistry(_ registry: Registry) throws {
        try CachePaths.ensureDirectory(paths.trees)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var sorted = registry
        sorted.trees.sort { $0.name < $1.name }
        do {
            try encoder.encode(sorted).write(to: paths.treeRegistry, options: .atomic)
        } catch {
            throw KGateError.infrastructure("cannot write tree registry: \(error.localizedDescription)",
                                            location: paths.treeRegistry.path, cause: error)
        }
    }

    func withRegistryLock<T>(_ body: () throws -> T) throws -> T {
        let lock = try FileLock.acquire(paths.locks.appendingPathComponent("tree-registry.lock"),
                                        purpose: "the tree registry", timeout: 120)
        defer { lock.release() }
        return try body()
    }

    /// Adds (or replaces) an entry under the registry lock.
    func register(_ info: TreeInfo) throws {
        try withRegistryLock {
            var registry = try readRegistry()
            registry.trees.removeAll { $0.name == info.name }
            registry.trees.append(info)
            try writeRegistry(registry)
        }
    }

    // MARK: names

    /// Tree names become directory names: letters, digits, '.', '_', '-'; no leading dot.
    static func validateName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 100, !name.hasPrefix("."), !name.hasPrefix("-"),
              name.allSatisfy({ allowed.contains($0) }) else {
            throw KGateError.usage("invalid tree name '\(name.prefix(100))'",
                                   fix: "use letters, digits, '.', '_' and '-' (not starting with '.' or '-')")
        }
    }

    /// "linux-source-6.12" from ".../linux-source-6.12.tar.xz" or a directory name.
    public static func defaultName(for source: URL) -> String {
        var base = source.standardizedFileURL.lastPathComponent
        for suffix in [".tar.xz", ".tar.gz", ".tar.bz2", ".tar.zst", ".tgz", ".txz", ".tar", ".git"] where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let cleaned = String(base.map { allowed.contains($0) ? $0 : "-" }).trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
        return cleaned.isEmpty ? "tree" : cleaned
    }
}
