import Foundation

/// The cache layout (docs/DESIGN.md, "Cache layout"). All paths derive from `root`.
public struct CachePaths: Sendable, Equatable {
    public let root: URL
    /// `--store`: the results store's URL or path; nil for `KGATE_STORE`, else `resultsDatabase`.
    public var store: String?

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// `--cache DIR`, else `$KGATE_CACHE`, else `$XDG_CACHE_HOME/kgate`, else `~/.cache/kgate`.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> CachePaths {
        if let option, !option.isEmpty { return CachePaths(root: URL(fileURLWithPath: option)) }
        if let env = environment["KGATE_CACHE"], !env.isEmpty { return CachePaths(root: URL(fileURLWithPath: env)) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return CachePaths(root: URL(fileURLWithPath: xdg).appendingPathComponent("kgate"))
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return CachePaths(root: URL(fileURLWithPath: home).appendingPathComponent(".cache/kgate"))
    }

    /// Git repositories kgate imported (`trees/<name>.git`) and the registry `trees/registry.json`.
    public var trees: URL { root.appendingPathComponent("trees") }
    public var treeRegistry: URL { trees.appendingPathComponent("registry.json") }
    /// One persistent checkout per tree: `worktrees/<name>/`.
    public var worktrees: URL { root.appendingPathComponent("worktrees") }
    /// `builds/<config-hash>/obj-<source-id>` is the incremental `make O=` directory
    /// for that configuration and one source directory (a kbuild object directory
    /// belongs to one source tree: the tree's worktree, or a user's clone for
    /// `kgate bisect-step`); `builds/<config-hash>/<tree-oid>/` holds one build's results.
    public var builds: URL { root.appendingPathComponent("builds") }
    public var ccache: URL { root.appendingPathComponent("ccache") }
    /// Guest images by recipe content hash: `images/<hash>.cpio`.
    public var images: URL { root.appendingPathComponent("images") }
    /// Per-boot console logs and result channels: `boots/<id>/`.
    public var boots: URL { root.appendingPathComponent("boots") }
    /// Per-host facts such as the KVM probe result.
    public var host: URL { root.appendingPathComponent("host") }
    /// Lock files.
    public var locks: URL { root.appendingPathComponent("locks") }
    public var resultsDatabase: URL { root.appendingPathComponent("results.sqlite") }

    public func worktree(named name: String) -> URL { worktrees.appendingPathComponent(name) }
    public func buildObjects(configHash: String, source: URL) -> URL {
        let id = Digest.sha256Hex(source.standardizedFileURL.path).prefix(12)
        return builds.appendingPathComponent(configHash).appendingPathComponent("obj-\(id)")
    }
    public func buildResult(configHash: String, treeOID: String) -> URL {
        builds.appendingPathComponent(configHash).appendingPathComponent(treeOID)
    }
    public func image(hash: String) -> URL { images.appendingPathComponent("\(hash).cpio") }

    /// Creates `url` (and parents) if missing.
    @discardableResult
    public static func ensureDirectory(_ url: URL) throws -> URL {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw KGateError.infrastructure("cannot create directory", location: url.path,
                                            fix: "check permissions and free space, or pass --cache DIR", cause: error)
        }
        return url
    }
}
