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

    /// `head` nil: a check (the request's series applied on its base); `head`
    /// set: a nightly comparison of `request.base` (the last good revision) with
    /// `head`, no series, stored by the merge as a nightly run.
    @discardableResult
    public func export(_ request: CheckRequest, head: String? = nil, to directory: URL) throws -> ArtifactManifest {
        let spec = try PipelineLoader.load(request.pipeline)
        let config = try KernelStage.config(for: spec)
        let driver = CheckDriver(paths: paths, console: console)
        let treeName = try request.tree ?? DefaultTree.ensure(paths: paths, console: console)
        let repository = try TreeStore(paths: paths).open(treeName)
        let base: String, candidate: String, commits: [RunCommit]
        var subject: String?, patchsetHash: String?
        if let head {
            base = try repository.resolve(request.base ?? "HEAD")
            candidate = try repository.resolve(head)
            let b = try repository.commit(base), c = try repository.commit(candidate)
            commits = [RunCommit(role: "base", commit: base, subject: b.subject, author: b.authorName),
                       RunCommit(role: "candidate", commit: candidate, subject: c.subject, author: c.authorName)]
        } else {
            let series = try SeriesLoader(loreURL: request.loreURL).load(source: request.series, patchwork: request.patchwork)
            base = try driver.resolveBase(request.base ?? series.baseCommit, repository: repository,
                                          explicit: request.base != nil)
            candidate = try repository.apply(series.patchesToApply(), onto: base, refName: series.defaultRefName,
                                            console: console).last ?? base
            console.line("applied \(series.patches.count) patch(es) on \(short(base)): candidate \(short(candidate))")
            commits = try driver.commits(repository, base: base, series: series, candidate: candidate)
            subject = series.coverSubject ?? series.patches.first?.subject
            patchsetHash = series.patchsetHash
        }
        let stage = KernelStage(repository: repository, config: config, paths: paths, console: console)
        let baseBuild = try stage.build(base, role: .base, recorder: nil, console: console)
        let candidateBuild = try stage.build(candidate, role: .candidate, recorder: nil, baseline: baseBuild, console: console)
        let image = try GuestImages.build(recipe: spec.guest.recipe ?? GuestImages.defaultRecipe(), paths: paths,
                                          console: console)
        let pipelineData = try readBoundedFile(spec.source, limit: 1 << 20, what: "pipeline file")
        return try ArtifactWriter.write(
            ArtifactManifest.header(kind: head == nil ? .check : .nightly, tree: treeName, base: base, candidate: candidate,
                                    seriesSubject: subject, patchsetHash: patchsetHash, commits: commits,
                                    pipeline: spec.name, pipelineDigest: Digest.sha256Hex(pipelineData)),
            baseBuild: baseBuild, candidateBuild: candidateBuild, guestImage: image.url, to: directory, console: console)
    }
}

extension PipelineSpec {
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
