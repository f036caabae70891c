import Foundation
import GuestImage
import KGateCore
import VirtualMachine
import Workloads

/// The trials of one boot.
public struct BootReport: Sendable {
    public var results: [String: [TrialResult]]
    public var wallSeconds: Double
    public var mode: MeasurementMode
    public var warnings: [String]
    /// Answered from the boot memo (`BootMemo`) instead of booting.
    public var replayed: Bool
    /// The boot's result-channel records (a profile boot reads its profile from them).
    public var blobs: [GuestBlob] = []
}

/// Runs workloads in the guest: plan → boot → blobs → samples.
public enum WorkloadRunner {
    /// Runs `trials` (default: the spec's) trials of one workload. In `oneTrialPerBoot`
    /// mode each trial gets its own boot (real-time modes interleaving A/B). In
    /// deterministic mode every trial is its own seeded boot: trial i (from 0)
    /// boots with seed `firstSeed + i`, so each sample is reproducible on its own.
    public static func run(spec: WorkloadSpec, kernel: URL, image: URL, mode: MeasurementMode, trials: Int? = nil,
                           paths: CachePaths, firstTrial: Int = 1, oneTrialPerBoot: Bool = false, firstSeed: UInt64 = 1,
                           label: String = "workload", console: Console = .shared) throws -> [Sample] {
        try runTrials(spec: spec, kernel: kernel, image: image, mode: mode, trials: trials, paths: paths,
                      firstTrial: firstTrial, oneTrialPerBoot: oneTrialPerBoot, firstSeed: firstSeed, label: label,
                      console: console)
            .map(\.sample)
    }

    /// As `run`, with the parsed tool results of each trial.
    public static func runTrials(spec: WorkloadSpec, kernel: URL, image: URL, mode: MeasurementMode, trials: Int? = nil,
                                 paths: CachePaths, firstTrial: Int = 1, oneTrialPerBoot: Bool = false,
                                 firstSeed: UInt64 = 1, label: String = "workload", appendCommandLine: [String] = [],
                                 console: Console = .shared) throws -> [TrialResult] {
        let n = trials ?? spec.trials
        guard n >= 1 else { throw KGateError.usage("trials must be at least 1 (got \(n))") }
        let seeded = mode == .deterministic
        let boots: [Boot] = (oneTrialPerBoot || seeded)
            ? (0..<n).map { Boot(run: PlannedRun(spec: spec, trials: 1, firstTrial: firstTrial + $0),
                                 seed: seeded ? firstSeed + UInt64($0) : nil) }
            : [Boot(run: PlannedRun(spec: spec, trials: n, firstTrial: firstTrial), seed: nil)]
        // Seeded boots share the host's cores (`BootSlots`); real-time boots run one at a time.
        let results = BootSlots.fanOut(boots, seeded: seeded) { b in
            try boot([b.run], kernel: kernel, image: image, mode: mode, paths: paths,
                     label: label + (b.seed.map { "-seed\($0)" } ?? ""), seed: b.seed,
                     appendCommandLine: appendCommandLine, console: console).results[spec.name] ?? []
        }
        return try results.flatMap { try $0.get() }
    }

    private struct Boot: Sendable {
        var run: PlannedRun
        var seed: UInt64?
    }

    /// The plan archive of `runs`, as every workload boot carries it. Its bytes are part
    /// of what fixes a seeded draw: another archive (even another file mode) is another initrd.
    public static func planArchive(_ runs: [PlannedRun]) throws -> Data {
        try GuestPlan.archive(PlanGenerator.script(runs))
    }

    /// Runs several workloads in one boot (setup and teardown per workload).
    /// `seed` is the boot's seed (`BootRequest.seed`), recorded in every sample;
    /// `replay` lets a deterministic boot be answered from the boot memo.
    public static func boot(_ runs: [PlannedRun], kernel: URL, image: URL, mode: MeasurementMode, paths: CachePaths,
                            label: String = "workload", memoryMiB: Int = 1024, seed: UInt64? = nil,
                            appendCommandLine: [String] = [], replay: Bool = false, plan customPlan: Data? = nil,
                            console: Console = .shared) throws -> BootReport {
        let names = runs.map(\.spec.name)
        guard Set(names).count == names.count else { throw KGateError.usage("a workload appears twice in one boot: \(names)") }
        // `customPlan`: the same runs with more in the archive (a profile boot, `ProfileRunner`).
        let plan = try customPlan ?? planArchive(runs)
        // Memory pressure adds its setup: a disk image, mke2fs, all free memory touched.
        let guestSeconds = runs.reduce(10.0) { acc, r in
            acc + 5 + (r.spec.memoryPressure == nil ? 0 : 60) + Double(r.trials) * Double(r.spec.duration + r.spec.warmup + 4)
        }
        let factor: Double = mode == .kvm ? 2 : (mode == .tcg ? 4 : 10)
        let request = BootRequest(kernel: kernel, image: image, plan: plan, mode: mode, memoryMiB: memoryMiB,
                                  appendCommandLine: appendCommandLine, runTimeout: 120 + guestSeconds * factor,
                                  label: label, seed: seed, replay: replay)
        console.status("\(label): booting for \(names.joined(separator: ", ")) (\(mode.rawValue))", key: "workload-boot")
        let outcome = try VirtualMachines.boot(request, paths: paths, console: console)
        guard outcome.classification == .ok else {
            throw outcome.failure("the kernel did not complete the workload run")
        }
        var results: [String: [TrialResult]] = [:]
        let recordedSeed = seed ?? (outcome.mode == .deterministic ? 0 : nil)
        for run in runs {
            results[run.spec.name] = try TrialAnalyzer.analyze(run, blobs: outcome.blobs).map { trial in
                var t = trial
                t.sample.seed = recordedSeed
                return t
            }
        }
        if outcome.planExitCode == nil {
            throw KGateError.infrastructure("the workload plan did not finish (no DONE record)", location: outcome.consoleLog.path,
                                            excerpt: outcome.excerpt)
        }
        console.clear()
        return BootReport(results: results, wallSeconds: outcome.wallSeconds, mode: outcome.mode, warnings: outcome.warnings,
                          replayed: outcome.replayed, blobs: outcome.blobs)
    }
}
