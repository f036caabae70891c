import Foundation
import Gate
import KGateCore
import Testing
import TestSupport
@testable import Artifacts
@testable import Measurement
@testable import Pipeline

@Suite(.tags(.unit)) struct PipelineSpecTests {
    func write(_ yaml: String) throws -> URL {
        let dir = try TestEnv.temporaryDirectory("pipeline")
        try Data("CONFIG_VETH=y\n".utf8).write(to: dir.appendingPathComponent("extra.config"))
        let url = dir.appendingPathComponent("p.yaml")
        try Data(yaml.utf8).write(to: url)
        return url
    }

    func loadError(_ yaml: String) throws -> KGateError {
        let url = try write(yaml)
        do {
            _ = try PipelineLoader.load(url: url)
        } catch let error as KGateError {
            return error
        }
        Issue.record("no error for:\n\(yaml)")
        return KGateError.usage("none")
    }

    @Test func shippedPipelinesLoad() throws {
        for name in ["premerge", "nightly"] {
            let url = TestEnv.packageRoot.appendingPathComponent("pipelines/\(name).yaml")
            let spec = try PipelineLoader.load(url: url)
            #expect(spec.name == name)
            #expect(!spec.workloads.isEmpty)
            #expect(spec.kernel.fragments.count == 1)
            #expect(FileManager.default.fileExists(atPath: spec.kernel.fragments[0].path))
            // Unpaired trials (real-time modes) can decide by the second look; paired
            // (seeded) trials clear the signed-rank floor before the cap.
            let gate = GateConfig(threshold: 0.02, direction: .higherIsBetter, minTrials: spec.trials.min,
                                  maxTrials: spec.trials.max, step: spec.trials.step)
            let second = min(spec.trials.min + spec.trials.step, spec.trials.max)
            #expect(Statistics.hodgesLehmannCut(second, second, alpha: gate.alphaPerLook) > 0,
                    "\(name): the rank test cannot reach the per-look level by the second look")
            #expect(Statistics.walshCut(spec.trials.max, alpha: gate.alphaPerLook) > 0,
                    "\(name): paired trials cannot reach the per-look level by the cap")
        }
    }

    /// The end-to-end tests' pipelines load too: a broken fixture would show as a
    /// usage error deep in a 30-minute run.
    @Test func testFixturePipelinesLoad() throws {
        let dir = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 5, "\(names)")
        for name in names {
            let spec = try PipelineLoader.load(url: dir.appendingPathComponent(name))
            #expect(spec.mode == .deterministic && !spec.workloads.isEmpty, "\(name)")
        }
    }

    @Test func valuesAndDefaults() throws {
        let spec = try PipelineLoader.load(url: write("""
            name: t
            kernel:
              fragments: [extra.config]
              set: ["CONFIG_NET_SCH_FQ=y", "# CONFIG_IPV6 is not set"]
            mode: deterministic
            trials: {min: 8, max: 20, step: 6}
            workloads:
              - workload: tcp-stream-10ms
                threshold: 3%
                duration: 2
              - workload: rr-latency
                threshold: 0.05
            """))
        #expect(spec.mode == .deterministic && spec.pairing == .paired)
        #expect(spec.kernel.base == "tinyconfig")
        #expect(spec.kernel.set.count == 2)
        #expect(spec.trials == PipelineSpec.Trials(min: 8, max: 20, step: 6))
        #expect(spec.workloads[0].threshold == 0.03)
        #expect(spec.workloads[0].duration == 2)
        #expect(spec.workloads[1].threshold == 0.05)
        #expect(spec.threshold(for: PipelineSpec.WorkloadEntry(workload: "x", threshold: nil, duration: nil, warmup: nil, trials: nil),
                               mode: .tcg) == 0.05)
        #expect(spec.threshold(for: PipelineSpec.WorkloadEntry(workload: "x", threshold: nil, duration: nil, warmup: nil, trials: nil),
                               mode: .deterministic) == 0.02)
    }

    /// `pairing: false` gives the candidate seeds of its own and an unpaired analysis.
    @Test func pairingOffMovesTheCandidateSeeds() throws {
        let spec = try PipelineLoader.load(url: write("""
            mode: deterministic
            pairing: false
            workloads: [{workload: tcp-stream-10ms}]
            """))
        #expect(spec.pairing == .unpaired)
        let cache = CachePaths(root: URL(fileURLWithPath: "/nonexistent"))
        let unpaired = GuestSetup(image: URL(fileURLWithPath: "/i"), mode: .deterministic, memoryMiB: 512, paths: cache,
                                  seedBase: 10, pairing: spec.pairing)
        #expect(unpaired.seed(trial: 3, role: .base) == 13)
        #expect(unpaired.seed(trial: 3, role: .candidate) == 13 + GuestSetup.unpairedOffset)
        let paired = GuestSetup(image: URL(fileURLWithPath: "/i"), mode: .deterministic, memoryMiB: 512, paths: cache,
                                seedBase: 10)
        #expect(paired.seed(trial: 3, role: .candidate) == paired.seed(trial: 3, role: .base))
        #expect(throws: KGateError.self) { try PipelineLoader.load(url: write("pairing: maybe\nworkloads: [{workload: x}]\n")) }
        // auto shares the seeds (each look then chooses its analysis).
        let auto = try PipelineLoader.load(url: write("mode: deterministic\npairing: auto\nworkloads: [{workload: tcp-stream-10ms}]\n"))
        #expect(auto.pairing == .auto)
        let shared = GuestSetup(image: URL(fileURLWithPath: "/i"), mode: .deterministic, memoryMiB: 512, paths: cache,
                                seedBase: 10, pairing: auto.pairing)
        #expect(shared.seed(trial: 3, role: .candidate) == shared.seed(trial: 3, role: .base))
    }

    @Test func errorsNameTheKey() throws {
        var e = try loadError("workloads:\n  - workload: a\n    treshold: 2%\n")
        #expect(e.what.contains("workloads[0]") && e.what.contains("unknown key 'treshold'"))
        #expect(e.exitCode == 64)
        e = try loadError("workloads:\n  - workload: a\n    threshold: lots\n")
        #expect(e.what.contains("workloads[0].threshold"))
        e = try loadError("mode: fast\nworkloads:\n  - workload: a\n")
        #expect(e.what.contains("mode") && e.what.contains("unknown mode 'fast'"))
        e = try loadError("trials: {min: 10, max: 4}\nworkloads:\n  - workload: a\n")
        #expect(e.what.contains("trials") && e.what.contains("below min"))
        e = try loadError("kernel:\n  fragments: [missing.config]\nworkloads:\n  - workload: a\n")
        #expect(e.what.contains("kernel.fragments[0]") && e.what.contains("not found"))
        e = try loadError("kernel:\n  set: [\"VETH=y\"]\nworkloads:\n  - workload: a\n")
        #expect(e.what.contains("kernel.set[0]"))
        e = try loadError("name: x\n")
        #expect(e.what.contains("'workloads' is required"))
        e = try loadError("workloads: []\n")
        #expect(e.what.contains("at least one workload"))
        e = try loadError("- a\n- b\n")
        #expect(e.what.contains("mapping"))
        e = try loadError("report:\n  kcidb-origin: Bad-Origin\nworkloads:\n  - workload: a\n")
        #expect(e.what.contains("report.kcidb-origin"))
    }

    @Test func unknownPipelineNameListsTheKnownOnes() throws {
        do {
            _ = try PipelineLoader.locate("no-such-pipeline")
            Issue.record("expected an error")
        } catch let error as KGateError {
            #expect(error.fix?.contains("premerge") == true)
        }
    }

    @Test func workloadPlanAppliesThresholdsAndDurations() throws {
        let spec = try PipelineLoader.load(url: write("""
            mode: deterministic
            workloads:
              - workload: tcp-stream-10ms
                duration: 2
                warmup: 0
              - workload: tcp-4flows
                threshold: 4%
            """))
        let plan = try WorkloadPlan.resolve(spec, mode: .deterministic)
        #expect(plan.map(\.spec.name) == ["tcp-stream-10ms", "tcp-4flows"])
        #expect(plan[0].spec.duration == 2)
        #expect(plan[0].spec.warmup == 0 && plan[1].spec.warmup == 1)
        #expect(plan[0].gate.threshold == 0.02)
        #expect(plan[1].gate.threshold == 0.04)
        let realTime = try WorkloadPlan.resolve(spec, mode: .tcg, only: ["tcp-stream-10ms"])
        #expect(realTime.count == 1 && realTime[0].gate.threshold == 0.05)
        #expect(throws: KGateError.self) { try WorkloadPlan.resolve(spec, mode: .tcg, only: ["udp-rate"]) }
    }
}
