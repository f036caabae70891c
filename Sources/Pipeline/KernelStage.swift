import Foundation
import KernelBuild
import KernelTree
import KGateCore
import Measurement
import Results

/// Builds revisions of one tree with one configuration: checks the result
/// cache by tree id first, otherwise checks the revision out into the tree's
/// persistent worktree (only differing files are written) and builds
/// incrementally in the configuration's object directory.
public struct KernelStage: Sendable {
    public let repository: KernelRepository
    public let builder: KernelBuilder
    public let config: BuildConfig
    public let paths: CachePaths

    public init(repository: KernelRepository, config: BuildConfig, paths: CachePaths, console: Console = .shared,
                jobs: Int? = nil) {
        self.repository = repository
        self.builder = KernelBuilder(paths: paths, console: console, jobs: jobs)
        self.config = config
        self.paths = paths
    }

    /// The build configuration a pipeline asks for. Fragments shipped with
    /// kgate are kgate's responsibility (a dropped option is exit 4); fragments
    /// from a user's own pipeline are the user's (exit 64).
    public static func config(for spec: PipelineSpec) throws -> BuildConfig {
        let shipped = (try? Resources.pipelines().standardizedFileURL.path).map {
            spec.source.standardizedFileURL.path.hasPrefix($0 + "/")
        } ?? false
        return BuildConfig(base: ConfigBase.parse(spec.kernel.base), fragments: spec.kernel.fragments,
                           items: spec.kernel.set, fragmentsAreUserProvided: !shipped)
    }

    /// Builds `revision` (a commit id). The caller names the kernel an error was
    /// seen on (`KGateError.seen(on:)`): a base that does not build is infrastructure.
    public func build(_ revision: String, baseline: BuildResult? = nil) throws -> BuildResult {
        try stagedBuild(revision, baseline: baseline).result
    }

    /// What building one revision did: the result, and the checkout (none on a cache hit).
    public struct StagedBuild: Sendable {
        public var result: BuildResult
        public var checkoutSeconds: Double
        /// Files the checkout wrote; nil on a cache hit.
        public var filesWritten: Int?
    }

    /// As `build`, with the checkout's cost (`kgate build --timings` prints it).
    public func stagedBuild(_ revision: String, baseline: BuildResult? = nil) throws -> StagedBuild {
        let commit = try repository.commit(revision)
        if let hit = builder.cachedResult(treeOID: commit.treeOID, config: config) {
            return StagedBuild(result: hit, checkoutSeconds: 0, filesWritten: nil)
        }
        let start = Date()
        let worktree = try repository.checkout(commit.oid, paths: paths, lockTimeout: 3600)
        defer { worktree.release() }
        let checkoutSeconds = Date().timeIntervalSince(start)
        let result = try builder.build(source: worktree.url, treeOID: commit.treeOID, revision: commit.oid,
                                       config: config, baseline: baseline)
        return StagedBuild(result: result, checkoutSeconds: checkoutSeconds, filesWritten: worktree.stats.filesWritten)
    }

    /// As `build`, recording the outcome, the error seen on the kernel of `role`:
    /// a candidate that does not build is a broken patch (2), a base is infrastructure (4).
    public func build(_ revision: String, role: TrialRole, recorder: RunRecorder?, baseline: BuildResult? = nil,
                      console: Console = .shared) throws -> BuildResult {
        let start = Date()
        console.line("build \(role.rawValue) \(short(revision))")
        do {
            let result = try build(revision, baseline: baseline)
            try recorder?.build(BuildInfo(revision: revision, configHash: result.configHash, succeeded: true,
                                          seconds: result.cached ? 0 : result.durationSeconds, log: result.log))
            let how = result.cached ? "cached" : String(format: "%.1f s", result.durationSeconds)
            console.line("build \(role.rawValue) \(short(revision)): \(result.kernelRelease), \(how)"
                         + (result.newWarnings.isEmpty ? "" : ", \(result.newWarnings.count) new warning(s)"))
            return result
        } catch let error as KGateError {
            try? recorder?.build(BuildInfo(revision: revision, configHash: (try? builder.configHash(config)) ?? "",
                                           succeeded: false, seconds: Date().timeIntervalSince(start), log: error.excerpt))
            throw error.seen(on: FaultKernel(side: role, revision: revision, stage: .build))
        }
    }
}

/// The embedded default tree: Debian's Linux 6.12 source, imported into the
/// cache on first use.
public enum DefaultTree {
    public static let name = "linux-6.12"
    public static let tarball = URL(fileURLWithPath: "/usr/src/linux-source-6.12.tar.xz")

    public static func ensure(paths: CachePaths, console: Console = .shared) throws -> String {
        let store = TreeStore(paths: paths)
        if try store.info(name) != nil { return name }
        guard FileManager.default.fileExists(atPath: tarball.path) else {
            throw KGateError.infrastructure("the embedded default tree needs Debian's kernel source", location: tarball.path,
                                            fix: "apt-get install -y linux-source-6.12, or pass --tree")
        }
        console.line("importing the embedded default tree \(name) from \(tarball.path) (first use)")
        try store.importSource(tarball, name: name, console: console)
        return name
    }
}
