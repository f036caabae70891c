import Foundation
import Gate
import KernelProfile
import KGateCore
import Measurement
import Results
import Workloads

/// After the verdicts of a check or a nightly: a kernel profile of base and
/// candidate for each regressed or improved workload, recorded with the run and
/// printed (docs/DESIGN.md, "Kernel profiles"). Deterministic mode only (another
/// mode's profile would not repeat). Profiling is evidence: a profile that cannot
/// be taken (a build stored without System.map, a sampler failure) is a warning
/// line and never changes the verdict or the exit code.
struct ProfileStage {
    let guest: GuestSetup
    let recorder: RunRecorder
    let console: Console

    func run(_ verdicts: [WorkloadVerdict], workloads: [MeasuredWorkload], base: URL, candidate: URL, clock: StageClock) {
        guard guest.mode == .deterministic else { return }
        let moved = verdicts.filter { [.regression, .improvement].contains($0.verdict.outcome) }
        for verdict in moved {
            guard let spec = workloads.first(where: { $0.spec.name == verdict.workload })?.spec else { continue }
            do {
                let comparison = try clock.measure("profile") { try profile(spec, base: base, candidate: candidate) }
                try recorder.profile(comparison)
                for line in ProfileReport.lines(comparison) { console.line(line) }
            } catch {
                Supervisor.parkIfInterrupted()
                console.line("warning: no kernel profile of \(spec.name): \(KGateError.describe(error))")
            }
        }
    }

    private func profile(_ spec: WorkloadSpec, base: URL, candidate: URL) throws -> ProfileComparison {
        for kernel in [base, candidate] where !FileManager.default.fileExists(atPath: ProfileRunner.systemMap(besides: kernel).path) {
            throw KGateError.infrastructure("the build has no System.map beside its bzImage", location: kernel.path,
                                            fix: "check that the build finished (kgate stores System.map with every build it makes)")
        }
        let guest = self.guest
        let seed = guest.seedBase + 1
        let sides = BootSlots.fanOut([("base", base), ("candidate", candidate)], seeded: true) { role, kernel in
            try ProfileRunner.profile(spec: spec, kernel: kernel, systemMap: ProfileRunner.systemMap(besides: kernel),
                                      image: guest.image, mode: guest.mode, paths: guest.paths, memoryMiB: guest.memoryMiB,
                                      seed: seed, label: "profile-\(role)").profile
        }
        return ProfileComparison(workload: spec.name, base: try sides[0].get(), candidate: try sides[1].get())
    }
}
