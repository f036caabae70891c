import ArgumentParser
import Foundation
import KGateCore
import KernelBuild
import KernelTree
import Pipeline

/// `kgate build`: configure and build a revision of a tree; prints the image path last.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a kernel from a revision of a tree.",
        discussion: """
        The configuration is the base (tinyconfig by default) plus the fragments (default: \
        vm-images/kconfig/*.config) plus --set items, merged with merge_config semantics and \
        verified after olddefconfig. Builds are cached by (tree id, config hash, compiler): \
        a hit returns the stored image without running make. The image path is the last stdout line. \
        --export DIR (with --series, or --base and --head) builds a check's base and candidate kernels and its \
        guest image into DIR with a manifest of SHA-256 digests, for sharded checks; --import DIR verifies \
        such a directory and copies it into the cache.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var treeOption: TreeOption

    @Option(name: .long, help: ArgumentHelp("Build this git checkout as it is on disk (uncommitted changes included) instead of --tree/--rev.",
                                            valueName: "dir"))
    var source: String?

    @Option(name: .long, help: "Revision: branch, tag, commit id, HEAD~n.")
    var rev: String = "HEAD"

    @Option(name: .long, help: ArgumentHelp("A kconfig fragment; repeatable, merged in order.", valueName: "file"))
    var fragment: [String] = []

    @Option(name: .long, help: ArgumentHelp("An inline item: CONFIG_X=y, CONFIG_X=m, CONFIG_X=\"s\", '# CONFIG_X is not set'.",
                                            valueName: "item"))
    var set: [String] = []

    @Option(help: ArgumentHelp("Take the configuration (base, fragments, items) from this pipeline; --fragment and --set add to it.",
                               valueName: "name|file"))
    var pipeline: String?

    @Option(name: .customLong("config-base"), help: "tinyconfig, defconfig or a .config file.")
    var configBase: String?

    @Option(name: .long, help: "Parallel make jobs (default: CPUs).")
    var jobs: Int?

    @Flag(name: .long, help: "Print the time of each phase.")
    var timings = false

    @Flag(name: .long, help: "Print the build metadata as JSON before the image path.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp("""
        Also build the revision clean, without the compiler cache, in a scratch object directory, and compare the \
        images byte for byte: exit 0 when the stored image is exactly its revision, 4 when not (the stored result \
        and object directory are then removed).
        """))
    var verify = false

    @OptionGroup var artifact: ArtifactOptions

    func run() throws {
        try reportingErrors(global, verb: "build") {
            if let code = try runArtifact() { return code }
            let started = Date()
            let paths = global.paths
            let base = ConfigBase.parse(configBase ?? "tinyconfig")
            var config: BuildConfig
            if let pipeline {
                config = try KernelStage.config(for: PipelineLoader.load(pipeline))
                config.fragments += fragment.map { URL(fileURLWithPath: $0) }
                config.items += set
                if configBase != nil { config.base = base }
            } else if fragment.isEmpty {
                config = try BuildConfig.standard(base: base, items: set)
            } else {
                config = BuildConfig(base: base, fragments: fragment.map { URL(fileURLWithPath: $0) }, items: set)
            }
            _ = try config.resolve()  // bad fragments are reported before any tree work
            let builder = KernelBuilder(paths: paths, jobs: jobs)
            if let source {
                let dir = URL(fileURLWithPath: source)
                let clone = try TreeStore(paths: paths).open(path: dir)
                let head = try clone.commit("HEAD")
                let treeOID = try clone.workingTreeOID()
                let resolvedAt = Date()
                let revision = head.oid + (treeOID == head.treeOID ? "" : "-dirty")
                if verify { return try verified(builder, source: dir, treeOID: treeOID, revision: revision, config: config) }
                let result = try builder.build(source: dir, treeOID: treeOID, revision: revision, config: config, baseline: nil)
                return finish(result, started: started, resolvedAt: resolvedAt, checkoutSeconds: 0)
            }
            // As every verb with --tree: the embedded default tree unless one is named.
            let tree = try treeOption.tree ?? DefaultTree.ensure(paths: paths)
            let repo = try TreeStore(paths: paths).open(tree)
            let commit = try repo.commit(try repo.resolve(rev))
            let resolvedAt = Date()
            if verify {
                let worktree = try repo.checkout(commit.oid, paths: paths)
                defer { worktree.release() }
                return try verified(builder, source: worktree.url, treeOID: commit.treeOID, revision: commit.oid, config: config)
            }
            // The pipeline's build step itself: result cache by tree id, else checkout and incremental build.
            Console.shared.line("build: \(tree) \(commit.oid.prefix(12)) '\(commit.subject)'")
            let staged = try KernelStage(repository: repo, config: config, paths: paths, jobs: jobs).stagedBuild(commit.oid)
            Console.shared.line(staged.filesWritten.map { "build: checkout wrote \($0) files" } ?? "build: cache hit")
            let result = staged.result, checkoutSeconds = staged.checkoutSeconds
            return finish(result, started: started, resolvedAt: resolvedAt, checkoutSeconds: checkoutSeconds)
        }
    }

    /// `--verify`: the stored image against a clean build of the same source.
    private func verified(_ builder: KernelBuilder, source: URL, treeOID: String, revision: String,
                          config: BuildConfig) throws -> Int32 {
        let v = try builder.verify(source: source, treeOID: treeOID, revision: revision, config: config)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            emit(String(decoding: try encoder.encode(v), as: UTF8.self))
        }
        let clean = "clean build: \(v.cleanObjects) objects in \(formatElapsed(v.cleanSeconds))"
        guard v.identical else {
            throw KGateError.infrastructure(
                "the stored image of \(revision.prefix(12)) is not its revision: it differs from a clean build "
                + "(stored sha256 \(v.storedDigest.prefix(16)), clean \(v.cleanDigest.prefix(16))"
                + (v.configIdentical ? "" : ", and the .config differs") + "); \(clean)",
                fix: "the stored result and its object directory were removed: build again; "
                    + "if this repeats, report it with both build logs")
        }
        Console.shared.line("verify: \(revision.prefix(12)) is exactly its revision: image identical to a clean build "
                            + "without the compiler cache (sha256 \(v.cleanDigest.prefix(16))); \(clean)")
        emit(v.cleanDigest)
        return KGateExitCode.pass
    }

    private func finish(_ result: BuildResult, started: Date, resolvedAt: Date, checkoutSeconds: Double) -> Int32 {
        do {
            if timings {
                let total = Date().timeIntervalSince(started)
                func f(_ x: Double) -> String { String(format: "%.2fs", x) }
                Console.shared.line("timings: resolve \(f(resolvedAt.timeIntervalSince(started))), checkout \(f(checkoutSeconds)), "
                                    + "configure \(f(result.cached ? 0 : result.configureSeconds))"
                                    + (result.configurationReused == true ? " (inputs unchanged, reused)" : "") + ", "
                                    + "make \(f(result.cached ? 0 : result.makeSeconds)), total \(f(total))"
                                    + (result.cached ? " (cache hit)" : ""))
            }
            if json { emit(String(decoding: try result.jsonData(), as: UTF8.self)) }
        } catch {
            Console.shared.line("warning: cannot encode the build metadata: \(error)")
        }
        emit(result.image)
        return KGateExitCode.pass
    }
}
