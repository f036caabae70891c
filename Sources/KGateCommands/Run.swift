import ArgumentParser
import Foundation
import Gate
import GuestImage
import KGateCore
import KernelProfile
import Measurement
import Pipeline
import VirtualMachine
import Workloads

/// `kgate run`: one workload's trials on one kernel, printed per trial.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a network workload on a kernel.",
        discussion: "Built-in workloads: \(WorkloadLoader.builtinNames.joined(separator: ", ")).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The kernel to boot.", valueName: "bzImage"))
    var kernel: String?

    @Option(name: .long, help: ArgumentHelp("A built-in workload name or a YAML file.", valueName: "name|file"))
    var workload: String

    @Option(name: .long, help: ArgumentHelp("How many trials (default: the workload's).", valueName: "n"))
    var trials: Int?

    @Option(name: .long, help: ArgumentHelp("Measured seconds per trial (default: the workload's).", valueName: "S"))
    var duration: Int?

    @Option(name: .long, help: ArgumentHelp("Warm-up seconds per trial (default: the workload's).", valueName: "S"))
    var warmup: Int?

    @OptionGroup var measurement: ModeOption

    @Option(name: .long, help: ArgumentHelp("Guest image (cpio); default: built from the shipped recipe.", valueName: "cpio"))
    var image: String?

    @Flag(name: .long, help: "Boot once per trial (for interleaving in real-time modes).")
    var oneTrialPerBoot = false

    @Option(name: .long, help: ArgumentHelp(
        "Seed of the first trial: in deterministic mode trial i boots with seed N+i, and the same kernel, image, "
        + "workload and seed give the same sample.", valueName: "N"))
    var seed: UInt64 = 1

    @Option(name: .customLong("append"), help: ArgumentHelp(
        "An extra kernel command-line word for every boot (repeatable), e.g. cgroup.memory=nosocket.", valueName: "arg"))
    var append: [String] = []

    @Flag(name: .long, help: "Print one JSON line per trial.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp(
        "Profile the guest kernel in one more seeded boot (deterministic mode) and print its top functions."))
    var profile = false

    @Option(name: .long, help: ArgumentHelp("The kernel's System.map (default: next to --kernel).", valueName: "file"))
    var systemMap: String?

    @Flag(name: .long, help: "Print the guest plan script and exit (no boot).")
    var printPlan = false

    func run() throws {
        try reportingErrors(global, verb: "run") {
            var spec = try WorkloadLoader.load(workload)
            if let duration { spec.duration = duration }
            if let warmup { spec.warmup = warmup }
            if let trials { spec.trials = trials }
            try spec.validate(source: "command line")
            if printPlan {
                emit(PlanGenerator.script([PlannedRun(spec: spec, trials: spec.trials)]))
                return 0
            }
            guard let kernel else { throw KGateError.usage("--kernel is required", fix: "pass --kernel <bzImage>") }
            let kernelURL = URL(fileURLWithPath: kernel)
            guard FileManager.default.fileExists(atPath: kernelURL.path) else {
                throw KGateError.usage("kernel image not found", location: kernelURL.path)
            }
            let requested = measurement.or(.auto)
            let paths = global.paths
            let imageURL = try image.map { URL(fileURLWithPath: $0) }
                ?? GuestImages.build(recipe: GuestImages.defaultRecipe(), paths: paths).url
            // auto: the same real-kernel KVM probe as check and boot.
            let resolved = try VirtualMachines.resolve(requested, kernel: kernelURL, image: imageURL, paths: paths)
            let results = try WorkloadRunner.runTrials(spec: spec, kernel: kernelURL, image: imageURL, mode: resolved,
                                                       paths: paths, oneTrialPerBoot: oneTrialPerBoot, firstSeed: seed,
                                                       label: "run-\(spec.name)", appendCommandLine: append)
            for r in results { emit(json ? try jsonLine(r.sample) : RunCommandOutput.line(spec, r)) }
            let failed = results.filter { $0.sample.failure != nil }
            if !json && !results.isEmpty {
                emit(RunCommandOutput.summary(spec, results, mode: resolved))
            }
            if profile {
                let map = systemMap.map { URL(fileURLWithPath: $0) } ?? ProfileRunner.systemMap(besides: kernelURL)
                let p = try ProfileRunner.profile(spec: spec, kernel: kernelURL, systemMap: map, image: imageURL,
                                                  mode: resolved, paths: paths, seed: seed, label: "profile-\(spec.name)")
                emit(RunCommandOutput.profile(spec, p.profile, seconds: p.seconds))
            }
            if failed.count == results.count, let first = failed.first {
                throw KGateError.infrastructure("every trial of '\(spec.name)' failed in the guest",
                                                fix: "see the quoted guest output", excerpt: first.sample.failure)
            }
            return 0
        }
    }

    private func jsonLine(_ s: Sample) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(s), as: UTF8.self)
    }
}

/// Human-readable lines for `kgate run`.
enum RunCommandOutput {
    /// Counters worth a glance beside the metric.
    static let noteworthy = [
        "iperf3.retransmits", "iperf3.rtt_mean_us", "iperf3.udp_lost_percent", "iperf3.udp_jitter_ms",
        "sockperf.p99_us", "rcv.TcpExt.TCPMemoryPressures", "rcv.TcpExt.TCPMemoryPressuresChrono",
        "rcv.TcpExt.PruneCalled", "rcv.TcpExt.RcvPruned", "rcv.TcpExt.TCPRcvCollapsed", "rcv.TcpExt.TCPBacklogDrop",
        "snd.Tcp.RetransSegs", "memcg.events.high", "memcg.events.max", "memcg.pressure.some.total",
        "vmstat.allocstall_normal", "vmstat.pgscan_direct", "rcv.ss.rcv_ssthresh.max", "memcg.stat.pgscan",
        "memcg.stat.pgsteal", "vmstat.htlb_buddy_alloc_fail",
    ]

    static func format(_ value: Double, unit: String) -> String {
        Format.quantity(value, unit: unit)
    }

    static func line(_ spec: WorkloadSpec, _ r: TrialResult) -> String {
        let s = r.sample
        let trial = "\(spec.name) trial \(s.trial)" + (s.seed.map { " (seed \($0))" } ?? "")
        if let failure = s.failure {
            return "\(trial): FAILED: \(failure)"
        }
        var parts = ["\(trial): \(s.metric) \(format(s.value, unit: s.unit))"]
        for key in noteworthy { if let v = s.counters[key] { parts.append("\(key)=\(String(format: "%g", v))") } }
        return parts.joined(separator: "  ")
    }

    static func summary(_ spec: WorkloadSpec, _ results: [TrialResult], mode: MeasurementMode) -> String {
        let ok = results.filter { $0.sample.failure == nil }.map(\.sample.value)
        guard !ok.isEmpty else { return "\(spec.name): no valid trial (\(results.count) failed)" }
        // The gate's own statistics, not a second copy of them.
        let median = Statistics.median(ok) ?? 0
        return "\(spec.name) [\(mode.rawValue)]: \(ok.count)/\(results.count) valid, median \(format(median, unit: spec.metric.unit)), "
            + String(format: "cv %.2f%%", Statistics.coefficientOfVariation(ok) * 100)
    }
}

extension RunCommandOutput {
    /// `kgate run --profile`: the top functions of one kernel's profile.
    static func profile(_ spec: WorkloadSpec, _ p: KernelProfile, seconds: Double, rows: Int = 20) -> String {
        var lines = ["\(spec.name) profile: \(p.samples) samples every \(p.periodNanoseconds / 1000) us of guest time "
                     + "(kernel \(p.samples - p.userSamples - p.lostSamples), user \(p.userSamples), lost \(p.lostSamples)), "
                     + "boot \(formatElapsed(seconds))"]
        for (name, n) in p.top(rows) {
            lines.append(String(format: "  %6.2f%%  %8llu  ", p.share(name) * 100, n) + name)
        }
        return lines.joined(separator: "\n")
    }
}
