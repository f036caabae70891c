import Foundation
import KGateCore
import Results
import Testing
import TestSupport
@testable import Artifacts
@testable import Pipeline

/// The sharded check's interface the CI templates rely on (issue 25): the shipped
/// `mode: auto` pipelines shard, explicit real-time modes are refused, and the merge
/// posts to the artifact's patchwork series only.
@Suite(.tags(.unit)) struct ShardedInterfaceTests {
    @Test func autoPipelinesShardDeterministicallyAndRealTimeModesAreRefused() throws {
        for name in ["premerge", "nightly", "sockpressure"] {
            let spec = try PipelineLoader.load(name)
            #expect(spec.mode == .auto, "\(name) ships mode: auto")
            try spec.checkShardable(console: Console(interactive: false))
        }
        var spec = try PipelineLoader.load("premerge")
        for mode in [MeasurementMode.kvm, .tcg] {
            spec.mode = mode
            let error = try #require(throws: KGateError.self) { try spec.checkShardable(console: nil) }
            #expect(error.exitCode == KGateExitCode.usage)
            #expect(error.what.contains("repeat exactly on every runner"), "\(error.what)")
        }
        spec.mode = .deterministic
        try spec.checkShardable(console: nil)
    }

    func manifest(_ origin: ArtifactManifest.PatchworkOrigin?) -> ArtifactManifest {
        ArtifactManifest.header(kind: .check, tree: "t", base: "b", candidate: "c", seriesSubject: "s", patchsetHash: nil,
                                commits: [], pipeline: "premerge", pipelineDigest: "d", patchwork: origin)
    }

    @Test func mergePostsToTheArtifactsPatchworkSeries() throws {
        let origin = ArtifactManifest.PatchworkOrigin(url: "https://pw.example.org", series: 7, patches: [101, 102])
        let post = PatchworkPost(baseURL: "", patchID: 102, token: "secret")
        let target = try #require(try MergeDriver.target(post, manifest: manifest(origin)))
        #expect(target.baseURL == "https://pw.example.org" && target.patchID == 102 && target.token == "secret")
        #expect(try MergeDriver.target(nil, manifest: manifest(origin)) == nil)
        // A patch of another series, or no patchwork named anywhere: usage errors before any work.
        var other = post
        other.patchID = 999
        #expect(throws: KGateError.self) { try MergeDriver.target(other, manifest: manifest(origin)) }
        #expect(throws: KGateError.self) { try MergeDriver.target(post, manifest: manifest(nil)) }
        var named = post
        named.baseURL = "https://other.example.org"
        #expect(try MergeDriver.target(named, manifest: manifest(nil))?.baseURL == "https://other.example.org")
        // The origin survives the manifest's JSON (it travels in the artifact and every shard file).
        let decoded = try JSONDecoder().decode(ArtifactManifest.self, from: try manifest(origin).encoded())
        #expect(decoded.patchwork == origin)
    }

    @Test func pullRequestFormUsageErrors() throws {
        let cache = try TestEnv.temporaryDirectory("pr-usage-cache")
        for arguments in [["check", "--tree", "t", "--base", "a", "--head", "b", "--series", "x.mbox"],
                          ["check", "--head", "b", "--base", "a"],
                          ["check", "--tree", "t", "--head", "b"],
                          ["build", "--export", cache.appendingPathComponent("a").path, "--series", "x.mbox", "--head", "b"],
                          ["build", "--export", cache.appendingPathComponent("a").path, "--base", "a", "--head", "b"],
                          ["merge", cache.path, "--post-patchwork", "5", "--patchwork-token-env", "KGATE_TEST_NO_SUCH_VAR"]] {
            let r = try ProcessRunner.run(TestEnv.kgateBinary.path, arguments, environment: ["KGATE_CACHE": cache.path],
                                          timeout: 120)
            #expect(r.exitCode == KGateExitCode.usage, "\(arguments): \(r.stderr.suffix(500))")
        }
    }
}
