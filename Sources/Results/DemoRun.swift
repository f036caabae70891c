import Foundation
import Gate
import KGateCore

/// A fixed, realistic run for the report golden files, `kgate results demo` and the
/// screenshot script: simulated trials (seeded) judged by the real adaptive gate.
/// The series subject carries a `<script>` tag on purpose: every exporter must escape it.
public enum DemoRun {
    public static let start = RunStart(
        kind: .check, tree: "linux-6.12",
        baseRevision: "4f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        candidateRevision: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
        seriesSubject: "[PATCH v2 0/2] tcp: batch receive-side ACKs <script>alert(1)</script>",
        patchsetHash: KCIDBExporter.patchsetHash(patches: [Data("patch one\n".utf8), Data("patch two\n".utf8)]),
        mode: "deterministic", pipeline: "premerge",
        startedAt: Date(timeIntervalSince1970: 1_790_000_000))

    public static let commits = [
        RunCommit(role: "base", commit: start.baseRevision ?? "", subject: "Linux 6.12.117", author: "Greg Kroah-Hartman"),
        RunCommit(role: "patch 1/2", commit: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
                   subject: "tcp: defer ACKs while the receive queue grows", author: "Jane Dev <jane@example.org>"),
        RunCommit(role: "patch 2/2", commit: start.candidateRevision ?? "",
                   subject: "tcp: <script>alert(1)</script> & \"quote\" in a subject", author: "Jane Dev <jane@example.org>"),
    ]

    struct Spec {
        var workload: String, metric: String, unit: String
        var direction: MetricDirection
        var base: Double, effect: Double, cv: Double
        var counters: [String: (Double, Double)]
    }

    static let specs = [
        Spec(workload: "tcp-stream", metric: "throughput", unit: "bit/s", direction: .higherIsBetter,
             base: 2.577e9, effect: -0.032, cv: 0.008,
             counters: ["TcpExt.TCPMemoryPressures": (0, 1234), "TcpExt.TCPOFOQueue": (310, 2950), "Tcp.RetransSegs": (12, 13)]),
        Spec(workload: "tcp-rr", metric: "latency", unit: "us", direction: .lowerIsBetter,
             base: 48.2, effect: 0.001, cv: 0.006, counters: ["Tcp.RetransSegs": (0, 0)]),
        Spec(workload: "netem-loss", metric: "throughput", unit: "bit/s", direction: .higherIsBetter,
             base: 412e6, effect: -0.03, cv: 0.09, counters: ["Tcp.RetransSegs": (850, 900)]),
    ]

    /// Runs the demo through the adaptive gate; returns per-trial samples and verdicts.
    public static func measure(seed: UInt64 = 7) -> (base: [[Sample]], candidate: [[Sample]], verdicts: [WorkloadVerdict]) {
        var rng = SeededGenerator(seed: seed)
        var baseTrials: [[Sample]] = [], candidateTrials: [[Sample]] = []
        var verdicts: [WorkloadVerdict] = []
        for spec in specs {
            var config = GateConfig.defaults(for: .deterministic, direction: spec.direction)
            config.maxTrials = 24
            let gate = AdaptiveGate(config)
            var base: [Sample] = [], candidate: [Sample] = []
            var need = (config.minTrials, config.minTrials)
            func draw(_ mean: Double, _ counterSide: Bool, trial: Int) -> Sample {
                var counters: [String: Double] = [:]
                for (name, (b, c)) in spec.counters.sorted(by: { $0.key < $1.key }) {
                    let m = counterSide ? c : b
                    counters[name] = max(0, (m * (1 + 0.05 * rng.normal())).rounded())
                }
                return Sample(workload: spec.workload, metric: spec.metric, unit: spec.unit,
                              value: mean * (1 + spec.cv * rng.normal()), trial: trial, counters: counters)
            }
            while true {
                while need.0 > 0 || need.1 > 0 {
                    if need.0 > 0 { base.append(draw(spec.base, false, trial: base.count)); need.0 -= 1 }
                    if need.1 > 0 { candidate.append(draw(spec.base * (1 + spec.effect), true, trial: candidate.count)); need.1 -= 1 }
                }
                let (decision, verdict) = gate.decide(workload: spec.workload, metric: spec.metric, base: base, candidate: candidate)
                if let verdict { verdicts.append(verdict); break }
                if case .needMore(let b, let c, _) = decision { need = (b, c) }
            }
            for (i, s) in base.enumerated() {
                if i >= baseTrials.count { baseTrials.append([]) }
                baseTrials[i].append(s)
            }
            for (i, s) in candidate.enumerated() {
                if i >= candidateTrials.count { candidateTrials.append([]) }
                candidateTrials[i].append(s)
            }
        }
        return (baseTrials, candidateTrials, verdicts)
    }

    /// Records the demo run in a store through the public API; returns its id.
    public static func record(into store: ResultStore) throws -> Int64 {
        let run = try store.beginRun(start)
        try store.recordCommits(run: run, commits)
        for (revision, seconds) in [(start.baseRevision ?? "", 212.0), (start.candidateRevision ?? "", 48.5)] {
            try store.recordBuild(run: run, BuildInfo(revision: revision, configHash: "tinyconfig+net-guest", succeeded: true, seconds: seconds))
        }
        let m = measure()
        let baseBoot = try store.recordBoot(run: run, BootInfo(revision: start.baseRevision ?? "", mode: "deterministic", succeeded: true, seconds: 17.8))
        let candidateBoot = try store.recordBoot(run: run, BootInfo(revision: start.candidateRevision ?? "", mode: "deterministic", succeeded: true, seconds: 17.9))
        for i in 0..<max(m.base.count, m.candidate.count) {
            if i < m.base.count {
                try store.recordTrial(run: run, role: .base, revision: start.baseRevision ?? "", boot: baseBoot, samples: m.base[i])
            }
            if i < m.candidate.count {
                try store.recordTrial(run: run, role: .candidate, revision: start.candidateRevision ?? "", boot: candidateBoot, samples: m.candidate[i])
            }
        }
        for (stage, seconds) in [("apply", 1.4), ("build", 260.5), ("image", 2.1), ("measure", 812.0)] {
            try store.recordStage(run: run, StageTiming(stage: stage, seconds: seconds))
        }
        let overall = GateOutcome.overall(m.verdicts.map(\.verdict.outcome))
        try store.finishRun(run: run, verdicts: m.verdicts, exitCode: overall.exitCode,
                            finishedAt: start.startedAt.addingTimeInterval(1076))
        return run
    }

    /// The demo as a RunReport with fixed id and times (no database): the golden-file input.
    public static func report() -> RunReport {
        let m = measure()
        let overall = GateOutcome.overall(m.verdicts.map(\.verdict.outcome))
        let info = RunInfo(id: 42, kind: start.kind, tree: start.tree, baseRevision: start.baseRevision,
                           candidateRevision: start.candidateRevision, seriesSubject: start.seriesSubject,
                           patchsetHash: start.patchsetHash, mode: start.mode, pipeline: start.pipeline,
                           startedAt: start.startedAt, finishedAt: start.startedAt.addingTimeInterval(1076),
                           status: .finished, exitCode: overall.exitCode, overall: overall, note: nil)
        return RunReport(run: info, commits: commits,
                         builds: [BuildInfo(revision: start.baseRevision ?? "", configHash: "tinyconfig+net-guest", succeeded: true, seconds: 212),
                                  BuildInfo(revision: start.candidateRevision ?? "", configHash: "tinyconfig+net-guest", succeeded: true, seconds: 48.5)],
                         boots: [BootInfo(revision: start.baseRevision ?? "", mode: "deterministic", succeeded: true, seconds: 17.8),
                                 BootInfo(revision: start.candidateRevision ?? "", mode: "deterministic", succeeded: true, seconds: 17.9)],
                         stages: [StageTiming(stage: "apply", seconds: 1.4), StageTiming(stage: "build", seconds: 260.5),
                                  StageTiming(stage: "image", seconds: 2.1), StageTiming(stage: "measure", seconds: 812)],
                         workloads: m.verdicts,
                         sampleCounts: ["base": m.base.reduce(0) { $0 + $1.count }, "candidate": m.candidate.reduce(0) { $0 + $1.count }],
                         bisectSteps: [])
    }
}
