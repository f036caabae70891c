import Foundation
import Gate
import GuestImage
import KGateCore
import Measurement
import Results
import VirtualMachine
import Workloads

/// Turns a pipeline's workload entries into what the measurement runs: the
/// spec (with the pipeline's duration) and the gate configuration for the
/// mode that will actually run.
public enum WorkloadPlan {
    /// `only`: run just these workloads (CI shards); empty: all.
    public static func resolve(_ spec: PipelineSpec, mode: MeasurementMode, only: [String] = []) throws -> [MeasuredWorkload] {
        let known = spec.workloads.map(\.workload)
        for name in only where !known.contains(name) {
            throw KGateError.usage("workload '\(name)' is not in pipeline \(spec.name)", location: spec.source.path,
                                   fix: "use one of: \(known.joined(separator: ", "))")
        }
        return try spec.workloads.filter { only.isEmpty || only.contains($0.workload) }.map { entry in
            var workload = try WorkloadLoader.load(entry.workload)
            if let d = entry.duration { workload.duration = max(1, Int(d.rounded())) }
            if let w = entry.warmup { workload.warmup = w }
            let trials = spec.trials(for: entry)
            var gate = GateConfig(threshold: spec.threshold(for: entry, mode: mode), direction: workload.direction,
                                  minTrials: trials.min, maxTrials: trials.max, step: trials.step)
            // A workload file may ask for a looser threshold than the mode's default, never a tighter one.
            if entry.threshold == nil, let own = workload.thresholdPercent { gate.threshold = max(own / 100, gate.threshold) }
            try gate.validate(location: spec.source.path)
            return MeasuredWorkload(spec: workload, gate: gate)
        }
    }

    /// One workload for bisection: the pipeline's entry when it has one, else
    /// the workload with the pipeline's trial limits; `threshold` overrides.
    public static func single(_ spec: PipelineSpec, name: String, mode: MeasurementMode,
                              threshold: Double?) throws -> MeasuredWorkload {
        var workload: MeasuredWorkload
        if spec.workloads.contains(where: { $0.workload == name }), let w = try resolve(spec, mode: mode, only: [name]).first {
            workload = w
        } else {
            let s = try WorkloadLoader.load(name)
            workload = MeasuredWorkload(spec: s, gate: GateConfig(
                threshold: PipelineSpec.defaultThreshold(for: mode), direction: s.direction,
                minTrials: spec.trials.min, maxTrials: spec.trials.max, step: spec.trials.step))
        }
        if let threshold { workload.gate.threshold = threshold }
        try workload.gate.validate(location: spec.source.path)
        return workload
    }
}

/// The guest for a pipeline: its image (built or cached) and the resolved mode.
public enum GuestStage {
    public static func prepare(_ spec: PipelineSpec, requested: MeasurementMode?, probeKernel: URL, paths: CachePaths,
                               clock: StageClock, console: Console) throws -> GuestSetup {
        let image = try clock.measure("image") {
            try GuestImages.build(recipe: spec.guest.recipe ?? GuestImages.defaultRecipe(), paths: paths, console: console)
        }
        console.line("guest image \(image.hash.prefix(12)) (\(image.bytes / 1024) KiB\(image.cached ? ", cached" : ""))")
        let mode = try clock.measure("mode probe") {
            try VirtualMachines.resolve(requested ?? spec.mode, kernel: probeKernel, image: image.url, paths: paths,
                                        console: console)
        }
        console.line("measurement mode: \(mode.rawValue)")
        return GuestSetup(image: image.url, mode: mode, memoryMiB: spec.guest.memoryMiB, paths: paths,
                          pairing: spec.pairing)
    }
}
