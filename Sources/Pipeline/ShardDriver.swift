import Artifacts
import Foundation
import Gate
import KGateCore
import Measurement
import Results

/// `kgate check --artifacts DIR --shard K/N --shard-dir OUT`: measures this
/// shard's slice of trials of every workload on both kernels of an imported
/// artifact, in deterministic mode (seeded boots pair by seed on any machine;
/// a `mode: auto` pipeline is measured so, `kvm`/`tcg` refused: `checkShardable`).
public struct ShardDriver: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    /// Returns the shard file written; a boot failure is written into it, then thrown.
    @discardableResult
    public func run(artifacts: URL, pipeline: String?, shard: ShardSpec, trials requested: ClosedRange<Int>?,
                    only: [String], to directory: URL, seedBase: UInt64 = 0) throws -> URL {
        let artifact = try ImportedArtifact.load(artifacts, paths: paths, console: console)
        let spec = try PipelineLoader.load(pipeline)
        try spec.checkDigest(against: artifact.manifest)
        try spec.checkShardable(console: console)
        let workloads = try WorkloadPlan.resolve(spec, mode: .deterministic, only: only)
        let guest = GuestSetup(image: artifact.guestImage, mode: .deterministic, memoryMiB: spec.guest.memoryMiB,
                               paths: paths, seedBase: seedBase, pairing: spec.pairing)
        let range = requested ?? 1...(workloads.map(\.gate.minTrials).max() ?? 1)
        let slice = shard.slice(of: range)
        console.line("shard \(shard.index)/\(shard.count): trials \(slice.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "none") "
                     + "of \(range.lowerBound)-\(range.upperBound), workloads \(workloads.map(\.spec.name).joined(separator: ", "))")
        let runner = TrialRunner(guest: guest, recorder: nil)
        let kernels = [KernelUnderTest(role: .base, revision: artifact.manifest.base, image: artifact.baseImage),
                       KernelUnderTest(role: .candidate, revision: artifact.manifest.candidate, image: artifact.candidateImage)]
        let console = self.console
        let results = SideBySide.results(kernels, mode: .deterministic) { kernel -> ([Sample], [ShardResult.Boot]) in
            var samples: [Sample] = [], boots: [ShardResult.Boot] = []
            for k in Array(slice ?? 1...0) {
                for w in workloads {
                    let start = Date()
                    samples += try runner.run(kernel, workloads: [w], trials: [w.spec.name: 1], done: [w.spec.name: k - 1],
                                              console: console)
                    boots.append(.init(role: kernel.role, workload: w.spec.name, trial: k, seconds: Date().timeIntervalSince(start)))
                }
            }
            return (samples, boots)
        }
        var result = ShardResult(format: ShardResult.formatVersion, artifact: artifact.digest, manifest: artifact.manifest,
                                 mode: MeasurementMode.deterministic.rawValue, seedBase: seedBase, shard: shard,
                                 trials: range, workloads: workloads.map(\.spec.name), base: [], candidate: [], boots: [])
        var thrown: KGateError?
        // The base's failure first, as ABMeasurement reports it.
        for (kernel, r) in zip(kernels, results) {
            switch r {
            case .success(let (samples, boots)):
                if kernel.role == .base { result.base = samples } else { result.candidate = samples }
                result.boots += boots
            case .failure(let error):
                if thrown == nil { thrown = (error as? KGateError) ?? KGateError.unexpected(error, during: "shard") }
            }
        }
        if let thrown { result.failure = .init(exitCode: thrown.exitCode, text: thrown.reportText) }
        let url = try write(result, to: directory)
        if let thrown { throw thrown }
        console.line("shard \(shard.index)/\(shard.count): \(result.base.count)+\(result.candidate.count) samples in \(url.path)")
        return url
    }

    private func write(_ result: ShardResult, to directory: URL) throws -> URL {
        try CachePaths.ensureDirectory(directory)
        let url = directory.appendingPathComponent(result.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(result).write(to: url, options: .atomic)
        } catch {
            throw KGateError.infrastructure("cannot write the shard's samples: \(error.localizedDescription)",
                                            location: url.path, fix: "check that --shard-dir is writable", cause: error)
        }
        return url
    }
}
