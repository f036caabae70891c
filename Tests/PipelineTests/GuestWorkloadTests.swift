import Foundation
import GuestImage
import KGateCore
import Testing
import TestSupport
import Pipeline
import VirtualMachine
import Workloads

/// Every built-in workload for real in the guest on the shared kernel, deterministic
/// mode, short durations, all in one boot (plus a 100 %-loss path and a missing
/// sysctl), then the runner itself over two trials.
@Suite(.serialized, .tags(.vm), .needs(.kernel, .qemu)) struct GuestWorkloadTests {
    static func environment() throws -> (kernel: URL, image: URL, paths: CachePaths) {
        let paths = TestEnv.cache
        let kernel = try SharedKernel.bzImage()
        let image = try GuestImages.build(recipe: try GuestImages.defaultRecipe(), paths: paths)
        return (kernel, image.url, paths)
    }

    static func short(_ spec: WorkloadSpec) -> WorkloadSpec {
        var s = spec
        s.duration = 1
        s.warmup = 0
        return s
    }

    @Test func everyBuiltinInOneBoot() throws {
        let env = try Self.environment()
        var runs = try WorkloadLoader.builtins().map { spec -> PlannedRun in
            var s = Self.short(spec)
            // Sockets are sampled every second: give the sampler two looks at the stream.
            if let every = s.socketSampleSeconds { s.duration = 3 * every }
            return PlannedRun(spec: s, trials: 1)
        }
        let blackhole = WorkloadSpec(name: "loss-100", tool: .iperf3TCP, duration: 1, warmup: 0,
                                     shaping: ShapingSpec(snd: SideShaping(netem: NetemSpec(lossPercent: 100))))
        let badSysctl = WorkloadSpec(name: "bad-sysctl", tool: .iperf3TCP, duration: 1, warmup: 0,
                                     tuning: TuningSpec(sysctls: ["net.ipv4.tcp_no_such_knob": "1"]))
        runs.append(PlannedRun(spec: blackhole, trials: 1))
        runs.append(PlannedRun(spec: badSysctl, trials: 1))
        let plan = try GuestImages.planArchive([PlanFile(path: "kgate/plan.sh", contents: Data(PlanGenerator.script(runs).utf8))])
        let outcome = try VirtualMachines.boot(BootRequest(kernel: env.kernel, image: env.image, plan: plan, mode: .deterministic,
                                                           runTimeout: 900, label: "workloads-all"), paths: env.paths)
        try #require(outcome.classification == .ok, "boot: \(outcome.classification) \(outcome.excerpt)")
        #expect(outcome.planExitCode == 2, "the bad-sysctl workload ends the plan with status 2")
        print("workloads-all: \(outcome.blobs.count) blobs, \(String(format: "%.1f", outcome.wallSeconds)) s wall")

        var byName: [String: TrialResult] = [:]
        for run in runs.dropLast() {
            let results = try TrialAnalyzer.analyze(run, blobs: outcome.blobs)
            try #require(results.count == 1)
            byName[run.spec.name] = results[0]
            let s = results[0].sample
            print("\(s.workload): \(s.metric)=\(s.value) failure=\(s.failure ?? "-") counters=\(s.counters.count)")
        }
        for name in ["tcp-stream-10ms", "tcp-loss-20ms", "tcp-4flows", "tcp-memcg"] {
            let s = try #require(byName[name]?.sample)
            #expect(s.failure == nil, "\(name): \(s.failure ?? "")")
            #expect(s.value > 1e6, "\(name) throughput \(s.value)")
            #expect((s.counters["snd.Tcp.OutSegs"] ?? 0) > 100 && (s.counters["rcv.Tcp.InSegs"] ?? 0) > 100)
            #expect(s.counters.keys.contains { $0.hasPrefix("rcv.TcpExt.") })
            #expect(s.counters["iperf3.retransmits"] != nil || s.counters.keys.contains("iperf3.sender_bps"))
            #expect(s.counters.keys.contains { $0.hasPrefix("interrupts.") })
        }
        // 20 ms each way: the mean RTT reported by the sender is at least 40 ms.
        #expect((byName["tcp-loss-20ms"]?.iperf3?.rttMeanUs ?? 0) >= 40_000)
        #expect((byName["tcp-stream-10ms"]?.iperf3?.rttMeanUs ?? 0) >= 20_000)
        let memcg = try #require(byName["tcp-memcg"]?.sample)
        #expect(memcg.counters.keys.contains { $0.hasPrefix("memcg.") }, "memcg counters: \(memcg.counters.keys.sorted())")
        let udp = try #require(byName["udp-rate"])
        #expect(udp.sample.failure == nil && udp.sample.value > 1e6 && udp.iperf3?.udpLostPercent != nil)
        #expect((udp.iperf3?.senderBps ?? 0) > 150e6 && (udp.iperf3?.senderBps ?? 0) < 250e6)
        let rr = try #require(byName["rr-latency"])
        #expect(rr.sample.failure == nil && rr.sample.value > 0 && (rr.sockperf?.observations ?? 0) > 10)
        // memcg-sockpressure ran before loss-100: its setup worked, its samples carry the
        // evidence, and its teardown left a guest the next workload can use.
        let mp = try #require(byName["memcg-sockpressure"]?.sample)
        #expect(mp.failure == nil && mp.value > 0, "memcg-sockpressure: \(mp.failure ?? "")")
        #expect((mp.counters["rcv.ss.samples"] ?? 0) >= 1, "socket samples: \(mp.counters.keys.sorted())")
        #expect((mp.counters["rcv.ss.rcv_ssthresh.max"] ?? 0) > 0)
        #expect((mp.counters["memcg.stat.pgscan"] ?? 0) > 0, "reclaim walked the receiver's cgroup")
        #expect((mp.counters["vmstat.htlb_buddy_alloc_fail"] ?? 0) > 0, "order-9 requests failed (memory fragmented)")
        let loss = try #require(byName["loss-100"]?.sample)
        #expect(loss.failure != nil && loss.value == 0, "100 % loss must be labelled, got \(loss.value)")
        let bad = #expect(throws: KGateError.self) { try TrialAnalyzer.analyze(runs[runs.count - 1], blobs: outcome.blobs) }
        #expect(bad?.kind == .usage && bad?.excerpt?.contains("tcp_no_such_knob") == true)
    }

    /// Issue 13: the same kernel, image, workload and seed give bit-identical
    /// samples (one workload per boot, as the pipeline runs them); another seed
    /// gives another draw of netem's losses. (A boot running all six built-ins
    /// one after the other did not repeat: later workloads diverged.)
    @Test func sameSeedSameSampleAnotherSeedAnotherDraw() throws {
        let env = try Self.environment()
        var spec = try WorkloadLoader.load("tcp-loss-20ms")
        spec.duration = 2
        func boot(_ seed: UInt64) throws -> Sample {
            let report = try WorkloadRunner.boot([PlannedRun(spec: spec, trials: 1)], kernel: env.kernel, image: env.image,
                                                 mode: .deterministic, paths: env.paths, label: "seed-\(seed)", seed: seed)
            return try #require(report.results[spec.name]?.first?.sample)
        }
        let first = try boot(7), again = try boot(7), other = try boot(8)
        print("tcp-loss-20ms seed 7: \(first.value), \(again.value); seed 8: \(other.value)")
        #expect(first.seed == 7 && again.seed == 7 && other.seed == 8)
        #expect(first.failure == nil && first.value > 1e6)
        // Measured: the same seed repeated bit for bit in most runs, but not in all
        // (774.66 vs 776.14 Mbit/s once, under load): the seed fixes the loss draw,
        // a residue of nondeterminism remains (issue 13 stays open on it). Seeds
        // 7 and 8 draw losses 47 % apart.
        let repeatGap = abs(first.value - again.value) / first.value
        let seedGap = abs(first.value - other.value) / first.value
        #expect(repeatGap < 0.02, "the same seed must repeat (within 2 %): \(first.value) vs \(again.value)")
        #expect(seedGap > 0.05 && seedGap > 5 * repeatGap, "seed 8 must draw another loss pattern than seed 7")
    }

    @Test func runnerTwoSeededTrials() throws {
        let env = try Self.environment()
        let spec = Self.short(try WorkloadLoader.load("tcp-stream-10ms"))
        let samples = try WorkloadRunner.run(spec: spec, kernel: env.kernel, image: env.image, mode: .deterministic,
                                             trials: 2, paths: env.paths, firstTrial: 4, firstSeed: 11,
                                             label: "workloads-runner")
        #expect(samples.map(\.trial) == [4, 5])
        #expect(samples.map(\.seed) == [11, 12], "deterministic trials are seeded boots")
        for s in samples {
            #expect(s.failure == nil && s.value > 1e6 && s.workload == "tcp-stream-10ms" && s.unit == "bit/s")
            #expect((s.counters["rcv.Tcp.InSegs"] ?? 0) > 100)
        }
        // Deterministic mode: two trials of the same workload agree closely.
        let a = samples[0].value, b = samples[1].value
        print("runner: \(a) \(b) bit/s")
        #expect(abs(a - b) / max(a, b) < 0.10)
    }
}
