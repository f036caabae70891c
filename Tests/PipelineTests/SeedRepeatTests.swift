import Foundation
import KGateCore
import Synchronization
import Testing
import TestSupport
import Pipeline
import Workloads

/// Issue 13: a seed fixes the guest's draw. Every built-in workload boots twice
/// with seed 7 (one workload per boot, as the pipeline runs it) and must give the
/// same sample; the workloads whose spread comes from the seed (netem losses,
/// reclaim) boot once more with seed 8 and must draw another sample.
@Suite(.serialized, .tags(.vm), .needs(.kernel, .qemu)) struct SeedRepeatTests {
    /// Workloads whose samples move with the seed (README of pipelines/workloads: CV 8–157 %).
    static let seedSensitive: Set = ["tcp-loss-20ms", "tcp-memcg", "memcg-sockpressure"]

    struct Boot: Sendable {
        var spec: WorkloadSpec
        var seed: UInt64
    }

    @Test func everyBuiltinRepeatsItsSeedAndTheSeededOnesDrawAnew() throws {
        let env = try GuestWorkloadTests.environment()
        let specs = try WorkloadLoader.builtins().map { spec -> WorkloadSpec in
            var s = spec
            s.duration = 1
            return s
        }
        let boots = specs.flatMap { [Boot(spec: $0, seed: 7), Boot(spec: $0, seed: 7)] }
            + specs.filter { Self.seedSensitive.contains($0.name) }.map { Boot(spec: $0, seed: 8) }
        // Side by side, as kgate runs seeded boots (each holds one of the host's BootSlots).
        let results = Mutex<[Int: Result<Sample, Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: boots.count) { i in
            let b = boots[i]
            let r = Result { () throws -> Sample in
                let samples = try WorkloadRunner.run(spec: b.spec, kernel: env.kernel, image: env.image, mode: .deterministic,
                                                     trials: 1, paths: env.paths, firstSeed: b.seed,
                                                     label: "repeat-\(b.spec.name)-\(i)")
                guard let s = samples.first else { throw KGateError.infrastructure("no sample from \(b.spec.name)") }
                return s
            }
            results.withLock { $0[i] = r }
        }
        let samples = try (0..<boots.count).map { i in try #require(results.withLock { $0[i] }).get() }
        var exact: [String] = []
        var redraws: [String: Double] = [:]
        for (n, spec) in specs.enumerated() {
            let first = samples[2 * n], again = samples[2 * n + 1]
            #expect(first.seed == 7 && again.seed == 7)
            #expect(first.failure == nil && first.value > 0, "\(spec.name): \(first.failure ?? "") \(first.value)")
            let gap = abs(first.value - again.value) / max(first.value, again.value)
            if first.value == again.value { exact.append(spec.name) }
            // The same seed repeats bit for bit in most boots; a residue of up to 0.7 % was seen
            // under heavy host load (docs/DESIGN.md, "Seeds and paired statistics").
            #expect(gap < 0.02, "\(spec.name): seed 7 gave \(first.value) and then \(again.value)")
            if let k = boots.indices.first(where: { boots[$0].spec.name == spec.name && boots[$0].seed == 8 }) {
                let other = samples[k]
                #expect(other.seed == 8)
                redraws[spec.name] = abs(other.value - first.value) / max(other.value, first.value) - 5 * gap
            }
        }
        print("seed repeat: bit-identical \(exact.count) of \(specs.count): \(exact.sorted().joined(separator: ", "))")
        print("seed 8 against seed 7 (relative gap minus 5 × the repeat gap): \(redraws)")
        #expect(redraws.values.contains { $0 > 0.05 }, "no seeded workload drew another sample with seed 8: \(redraws)")
    }
}
