import Foundation
import Gate
import KernelProfile
import KGateCore
import KernelTree
import Measurement
import Results
import Workloads

/// After the verdicts of a check or a nightly: a kernel profile of base and
/// candidate for each regressed or improved workload; after a bisection: its
/// culprit against its first parent (`culprit`). Recorded with the run and
/// printed (docs/DESIGN.md, "Kernel profiles"). Deterministic mode only (another
/// mode's profile would not repeat). Profiling is evidence: a profile that cannot
/// be taken (a build stored without System.map, a sampler failure) is a warning
/// line and never changes the verdict or the exit code.
struct ProfileStage {
    let guest: GuestSetup
    let recorder: RunRecorder
    let console: Console

    func run(_ verdicts: [WorkloadVerdict], workloads: [MeasuredWorkload], base: URL, candidate: URL, clock: StageClock) {
        let moved = verdicts.filter { [.regression, .improvement].contains($0.verdict.outcome) }
        guard !moved.isEmpty, deterministic() else { return }
        for verdict in moved {
            guard let spec = workloads.first(where: { $0.spec.name == verdict.workload })?.spec else { continue }
            record(spec, base: base, candidate: candidate, culprit: nil, clock: clock)
        }
    }

    /// A bisection's culprit against its first parent on the bisected workload
    /// (`kgate bisect`, and the bisection of `kgate nightly`): the same two seeded
    /// boots as a check's. `image` gives a revision's build (the bisection's: the
    /// parent of a linear history is built already), nil when it does not build.
    /// Returns the comparison it recorded, nil when none was taken.
    func culprit(_ commit: CommitInfo, spec: WorkloadSpec, clock: StageClock,
                 image: (String) throws -> URL?) -> ProfileComparison? {
        guard let parent = commit.parents.first, deterministic() else { return nil }
        let parentImage: URL?, commitImage: URL?
        do {
            (parentImage, commitImage) = (try image(parent), try image(commit.oid))
        } catch {
            Supervisor.parkIfInterrupted()
            console.line("warning: no kernel profile of the culprit: \(KGateError.describe(error))")
            return nil
        }
        guard let parentImage, let commitImage else {
            console.line("warning: no kernel profile of the culprit: its parent \(short(parent)) does not build")
            return nil
        }
        return record(spec, base: parentImage, candidate: commitImage,
                      culprit: CulpritRevisions(commit: commit.oid, parent: parent, subject: commit.subject), clock: clock)
    }

    /// Another mode's profile would not repeat: one line says so.
    private func deterministic() -> Bool {
        guard guest.mode == .deterministic else {
            console.line("no kernel profile: profiles are taken in deterministic mode only (this run measured in \(guest.mode.rawValue))")
            return false
        }
        return true
    }

    @discardableResult
    private func record(_ spec: WorkloadSpec, base: URL, candidate: URL, culprit: CulpritRevisions?,
                        clock: StageClock) -> ProfileComparison? {
        do {
            var comparison = try clock.measure("profile") { try profile(spec, base: base, candidate: candidate) }
            comparison.culprit = culprit
            try recorder.profile(comparison)
            for line in ProfileReport.lines(comparison) { console.line(line) }
            return comparison
        } catch {
            Supervisor.parkIfInterrupted()
            console.line("warning: no kernel profile of \(spec.name): \(KGateError.describe(error))")
            return nil
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
