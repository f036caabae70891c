import Artifacts
import Foundation
import GuestImage
import KernelBuild
import KernelTree
import KGateCore
import Measurement
import PatchSeries
import Results

/// `kgate build --export DIR`: the build job of a sharded check. Applies the
/// series on its base, builds both kernels and the guest image (cache hits
/// when already built) and has `ArtifactWriter` write them to DIR with a
/// manifest of digests (`ArtifactManifest`). A series that does not apply or build fails here
/// with the check's exit code 2.
public struct ArtifactExporter: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    /// A check: the request's series applied on its base, or (`request.head`,
    /// the pull-request form) `request.base` against `head`. `kind: .nightly`
    /// (with `head`): the last good revision against the head, stored by the
    /// merge as a nightly run.
    @discardableResult
    public func export(_ request: CheckRequest, kind: RunKind = .check, to directory: URL) throws -> ArtifactManifest {
        let spec = try PipelineLoader.load(request.pipeline)
        try spec.checkShardable(console: console)
        let config = try KernelStage.config(for: spec)
        let treeName = try request.tree ?? DefaultTree.ensure(paths: paths, console: console)
        let repository = try TreeStore(paths: paths).open(treeName)
        let plan: ComparisonPlan
        var patchwork: ArtifactManifest.PatchworkOrigin?
        if let head = request.head {
            plan = try ComparisonPlan.pullRequest(repository, base: request.base, head: head, console: console)
        } else {
            let series = try SeriesLoader(loreURL: request.loreURL).load(source: request.series, patchwork: request.patchwork)
            let base = try ComparisonPlan.seriesBase(series, explicit: request.base, repository: repository, console: console)
            let candidate = try repository.apply(series.patchesToApply(), onto: base, refName: series.defaultRefName,
                                                 console: console).last ?? base
            console.line("applied \(series.patches.count) patch(es) on \(short(base)): candidate \(short(candidate))")
            plan = ComparisonPlan(base: base, candidate: candidate, subject: series.coverSubject ?? series.patches.first?.subject,
                                  patchsetHash: series.patchsetHash,
                                  commits: try ComparisonPlan.seriesCommits(repository, base: base, series: series,
                                                                            candidate: candidate))
            patchwork = request.patchwork.map {
                .init(url: $0.baseURL, series: $0.seriesID, patches: series.patches.compactMap(\.patchworkID))
            }
        }
        let base = plan.base, candidate = plan.candidate
        let stage = KernelStage(repository: repository, config: config, paths: paths, console: console)
        let baseBuild = try stage.build(base, role: .base, recorder: nil, console: console)
        let candidateBuild = try stage.build(candidate, role: .candidate, recorder: nil, baseline: baseBuild, console: console)
        let image = try GuestImages.build(recipe: spec.guest.recipe ?? GuestImages.defaultRecipe(), paths: paths,
                                          console: console)
        let pipelineData = try readBoundedFile(spec.source, limit: 1 << 20, what: "pipeline file")
        return try ArtifactWriter.write(
            ArtifactManifest.header(kind: kind, tree: treeName, base: base, candidate: candidate,
                                    seriesSubject: plan.subject, patchsetHash: plan.patchsetHash, commits: plan.commits,
                                    pipeline: spec.name, pipelineDigest: Digest.sha256Hex(pipelineData), patchwork: patchwork),
            baseBuild: baseBuild, candidateBuild: candidateBuild, guestImage: image.url, to: directory, console: console)
    }
}

extension PipelineSpec {
    /// Sharded checks (`kgate build --export`, `kgate check --artifacts`, `kgate merge`)
    /// measure in deterministic mode: a shard's seeded trial k must repeat exactly on
    /// every runner, so trials pair by seed whichever machine ran them. `mode: auto`
    /// (the shipped pipelines) is measured deterministically, said in one line when
    /// `console` is given; a pipeline that asks for `kvm` or `tcg` is refused.
    func checkShardable(console: Console?) throws {
        switch mode {
        case .deterministic: return
        case .auto:
            console?.line("pipeline \(name): mode auto measured in deterministic mode "
                          + "(a sharded check's seeded trials must repeat exactly on every runner)")
        case .kvm, .tcg:
            throw KGateError.usage("pipeline \(name) asks for \(mode.rawValue) mode; a sharded check measures only in "
                                   + "deterministic mode (seeded trials must repeat exactly on every runner; real-time "
                                   + "\(mode.rawValue) samples depend on the runner's load)", location: source.path,
                                   fix: "set 'mode: deterministic' or 'mode: auto' in the pipeline, or run kgate check on one machine")
        }
    }

    /// SHA-256 of the pipeline file: shards and the merge refuse another pipeline than the artifact's.
    func checkDigest(against manifest: ArtifactManifest) throws {
        let data = try readBoundedFile(source, limit: 1 << 20, what: "pipeline file")
        guard Digest.sha256Hex(data) == manifest.pipelineDigest else {
            throw KGateError.usage("pipeline \(name) (\(source.path)) is not the one the artifact was built with "
                                   + "(\(manifest.pipeline))", location: source.path,
                                   fix: "pass the same --pipeline to kgate build --export, the shards and kgate merge")
        }
    }
}
