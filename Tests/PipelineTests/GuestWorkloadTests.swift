import Foundation
import GuestImage
import KGateCore
import Testing
import TestSupport
@testable import Artifacts
@testable import Measurement
@testable import Pipeline
import VirtualMachine
import Workloads

/// Every built-in workload for real in the guest on the shared kernel, deterministic
/// mode, short durations, one seeded boot per workload, each seed twice (plus a
/// 100 %-loss path and a missing sysctl), then the runner itself over two trials.
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

    /// One boot of the repeat test: a workload (or a plan of several) with a seed.
    struct SeededBoot: Sendable {
        var runs: [PlannedRun]
        var seed: UInt64
        var label: String
    }

    /// Workloads whose samples move with the seed (pipelines/workloads/README.md: CV 8–157 %)
    /// and get a seed-8 boot. tcp-memcg moves with its seed too, but its boot is the
    /// dearest here (~86 s of QEMU CPU: iperf3 waits ~35 guest seconds for the throttled
    /// receiver to drain 32 MiB buffers, even at 1 s): its seed-7 pair stays, the redraw
    /// is shown by the loss and the memcg-sockpressure boots.
    static let seedSensitive: Set = ["tcp-loss-20ms", "memcg-sockpressure"]

    /// Issue 13: every built-in boots twice with seed 7 (one workload per boot, as the
    /// pipeline runs them, side by side as `BootSlots` allows) and must repeat its
    /// sample; the seeded ones boot once more with seed 8, and at least one loss or
    /// memcg sample must draw anew. The seed-7 samples must carry each workload's
    /// evidence. The seed-8 boot of memcg-sockpressure goes on to a 100 %-loss path and
    /// a missing sysctl, so its teardown must leave a guest the next workload can use.
    @Test func everyBuiltinRepeatsItsSeedAndCarriesItsEvidence() throws {
        let env = try Self.environment()
        let specs = try WorkloadLoader.builtins().map { spec -> WorkloadSpec in
            var s = Self.short(spec)
            // Sockets are sampled every second: give the sampler two looks at the stream.
            if let every = s.socketSampleSeconds { s.duration = 3 * every }
            return s
        }
        let blackhole = WorkloadSpec(name: "loss-100", tool: .iperf3TCP, duration: 1, warmup: 0,
                                     shaping: ShapingSpec(snd: SideShaping(netem: NetemSpec(lossPercent: 100))))
        let badSysctl = WorkloadSpec(name: "bad-sysctl", tool: .iperf3TCP, duration: 1, warmup: 0,
                                     tuning: TuningSpec(sysctls: ["net.ipv4.tcp_no_such_knob": "1"]))
        var boots: [SeededBoot] = []
        for spec in specs {
            let one = [PlannedRun(spec: spec, trials: 1)]
            boots += [SeededBoot(runs: one, seed: 7, label: "repeat-\(spec.name)-a"),
                      SeededBoot(runs: one, seed: 7, label: "repeat-\(spec.name)-b")]
            if Self.seedSensitive.contains(spec.name) {
                let tail = spec.name == "memcg-sockpressure"
                    ? [PlannedRun(spec: blackhole, trials: 1), PlannedRun(spec: badSysctl, trials: 1)] : []
                boots.append(SeededBoot(runs: one + tail, seed: 8, label: "repeat-\(spec.name)-seed8"))
            }
        }
        // The longest boots first, so that the two slots finish together.
        let cost: [String: Int] = ["tcp-memcg": 0, "memcg-sockpressure": 1]
        boots.sort { (cost[$0.runs[0].spec.name] ?? 2) < (cost[$1.runs[0].spec.name] ?? 2) }
        let started = Date()
        // A single workload boots as the pipeline boots it (`WorkloadRunner.boot` records the
        // seed in the sample); the boot with a tail ends with status 2, so it boots bare.
        let outcomes = Concurrently.map(boots, width: BootSlots.count) { b -> (TrialResult?, BootOutcome?) in
            try BootSlots.hold {
                if b.runs.count == 1 {
                    let report = try WorkloadRunner.boot(b.runs, kernel: env.kernel, image: env.image, mode: .deterministic,
                                                         paths: env.paths, label: b.label, seed: b.seed)
                    return (report.results[b.runs[0].spec.name]?.first, nil)
                }
                let plan = try WorkloadRunner.planArchive(b.runs)
                let outcome = try VirtualMachines.boot(BootRequest(kernel: env.kernel, image: env.image, plan: plan, mode: .deterministic,
                                                                   runTimeout: 900, label: b.label, seed: b.seed), paths: env.paths)
                var trial = try TrialAnalyzer.analyze(b.runs[0], blobs: outcome.blobs).first
                trial?.sample.seed = b.seed
                return (trial, outcome)
            }
        }
        print(String(format: "seed repeat: %d boots in %.0f s of wall (%d side by side)", boots.count,
                     Date().timeIntervalSince(started), BootSlots.count))
        var results: [String: [UInt64: [TrialResult]]] = [:]
        var tailBoot: (SeededBoot, BootOutcome)?
        for (b, result) in zip(boots, outcomes) {
            let (trial, outcome) = try result.get()
            results[b.runs[0].spec.name, default: [:]][b.seed, default: []].append(try #require(trial, "\(b.label)"))
            if let outcome {
                try #require(outcome.classification == .ok, "\(b.label): \(outcome.classification) \(outcome.excerpt)")
                tailBoot = (b, outcome)
            }
        }

        var exact: [String] = [], redraws: [String: Double] = [:]
        for spec in specs {
            let sevens = try #require(results[spec.name]?[7])
            try #require(sevens.count == 2)
            let first = sevens[0].sample, again = sevens[1].sample
            #expect(first.seed == 7 && again.seed == 7)
            #expect(first.failure == nil && first.value > 0, "\(spec.name): \(first.failure ?? "") \(first.value)")
            if first.value == again.value && first.counters == again.counters { exact.append(spec.name) }
            // The same seed repeats bit for bit in most boots; QEMU 7.2's icount warp leaves a
            // residue of up to 0.7 % under host load (docs/DESIGN.md, "Seeds and paired statistics").
            let gap = abs(first.value - again.value) / max(first.value, again.value)
            #expect(gap < 0.02, "\(spec.name): seed 7 gave \(first.value) and then \(again.value)")
            if let other = results[spec.name]?[8]?.first?.sample {
                #expect(other.seed == 8)
                redraws[spec.name] = abs(other.value - first.value) / max(other.value, first.value) - 5 * gap
            }
        }
        print("seed repeat: bit-identical (value and every counter) \(exact.count) of \(specs.count): \(exact.sorted().joined(separator: ", "))")
        print("seed 8 against seed 7 (relative gap minus 5 × the repeat gap): \(redraws)")
        #expect(redraws.values.contains { $0 > 0.05 }, "no loss or memcg workload drew another sample with seed 8: \(redraws)")

        var byName: [String: TrialResult] = [:]
        for spec in specs { byName[spec.name] = results[spec.name]?[7]?.first }
        for (name, r) in byName.sorted(by: { $0.key < $1.key }) {
            print("\(name): \(r.sample.metric)=\(r.sample.value) counters=\(r.sample.counters.count)")
        }
        try Self.expectEvidence(byName)

        // The seed-8 sockpressure boot went on to a 100 %-loss path and a missing sysctl.
        let (tb, tail) = try #require(tailBoot)
        #expect(tail.planExitCode == 2, "the bad-sysctl workload ends the plan with status 2")
        let loss = try #require(try TrialAnalyzer.analyze(tb.runs[1], blobs: tail.blobs).first?.sample)
        #expect(loss.failure != nil && loss.value == 0, "100 % loss must be labelled, got \(loss.value)")
        let bad = #expect(throws: KGateError.self) { try TrialAnalyzer.analyze(tb.runs[2], blobs: tail.blobs) }
        #expect(bad?.blame == .input && bad?.excerpt?.contains("tcp_no_such_knob") == true)
    }

    /// What each built-in's sample must carry.
    static func expectEvidence(_ byName: [String: TrialResult]) throws {
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
        let mp = try #require(byName["memcg-sockpressure"]?.sample)
        #expect(mp.failure == nil && mp.value > 0, "memcg-sockpressure: \(mp.failure ?? "")")
        #expect((mp.counters["rcv.ss.samples"] ?? 0) >= 1, "socket samples: \(mp.counters.keys.sorted())")
        #expect((mp.counters["rcv.ss.rcv_ssthresh.max"] ?? 0) > 0)
        #expect((mp.counters["memcg.stat.pgscan"] ?? 0) > 0, "reclaim walked the receiver's cgroup")
        #expect((mp.counters["vmstat.htlb_buddy_alloc_fail"] ?? 0) > 0, "order-9 requests failed (memory fragmented)")
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
