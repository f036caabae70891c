import Foundation
import Gate
import KernelBuild
import KernelTree
import KGateCore
import Measurement
import Results

/// Base against candidate on one pipeline: build both (the candidate's new
/// warnings listed against the base's), prepare the guest, measure with
/// adaptive A/B trials. Shared by `kgate check` and `kgate nightly`.
public struct Comparison: Sendable {
    public let spec: PipelineSpec
    public let config: BuildConfig
    public let repository: KernelRepository
    public let paths: CachePaths
    public let console: Console

    public init(spec: PipelineSpec, config: BuildConfig, repository: KernelRepository, paths: CachePaths,
                console: Console = .shared) {
        self.spec = spec
        self.config = config
        self.repository = repository
        self.paths = paths
        self.console = console
    }

    public func run(base: String, candidate: String, mode: MeasurementMode?, only: [String], profile: Bool = true,
                    recorder: RunRecorder,
                    clock: StageClock) throws -> [WorkloadVerdict] {
        let stage = KernelStage(repository: repository, config: config, paths: paths, console: console)
        let baseBuild = try clock.measure("build base") {
            try stage.build(base, role: .base, recorder: recorder, console: console)
        }
        // The guest (image, KVM probe of the base kernel) is prepared while the candidate builds.
        let (candidateBuild, guest) = try SideBySide.pair({
            try clock.measure("build candidate") {
                try stage.build(candidate, role: .candidate, recorder: recorder, baseline: baseBuild, console: console)
            }
        }, {
            try GuestStage.prepare(spec, requested: mode, probeKernel: baseBuild.imageURL, paths: paths,
                                   clock: clock, console: console)
        })
        for w in candidateBuild.newWarnings.prefix(10) {
            console.line("new warning: \(w.file):\(w.line): \(w.message)")
        }
        let workloads = try WorkloadPlan.resolve(spec, mode: guest.mode, only: only)
        let measurement = ABMeasurement(runner: TrialRunner(guest: guest, recorder: recorder), workloads: workloads)
        let verdicts = try measurement.run(base: KernelUnderTest(role: .base, revision: base, image: baseBuild.imageURL),
                                           candidate: KernelUnderTest(role: .candidate, revision: candidate,
                                                                      image: candidateBuild.imageURL),
                                           clock: clock, console: console)
        if profile { ProfileStage(guest: guest, recorder: recorder, console: console)
            .run(verdicts, workloads: workloads, base: baseBuild.imageURL, candidate: candidateBuild.imageURL, clock: clock) }
        return verdicts
    }
}
