import Foundation
import GuestImage
import KGateCore
import KernelProfile
import VirtualMachine
import Workloads

/// A kernel profile of one workload trial (issue 28): one extra seeded boot that
/// runs the workload's plan unchanged except that its measured tool runs under
/// the guest sampler (`vm-images/files/kgate-prof.c`, carried in the plan
/// archive), so the measured boots, their memo entries and the gate's samples are
/// untouched. In deterministic mode the same kernel, image, plan and seed give the
/// same profile; the boot is memoized like any seeded boot (`BootMemo`).
public enum ProfileRunner {
    /// Sampling period in guest nanoseconds: 10 kHz of guest time (under -icount
    /// shift=0, one sample per 100 000 guest instructions).
    public static let periodNanoseconds: UInt64 = 100_000
    /// The seed of profile boots: seed 1, the first trial's draw.
    public static let seed: UInt64 = 1
    static let sampler = "kgate/kgate-prof"

    /// The plan prelude: the trial's tool runs as `timeout N ip netns exec snd TOOL…`
    /// (`PlanGenerator`); a shell function of the same name runs it under the
    /// sampler and sends the profile as the blob `<workload>.t<i>.profile`.
    static func prelude(period: UInt64) -> String {
        """
        # kgate profile boot (Measurement.ProfileRunner): the measured tool under the sampler.
        timeout() {
            /\(sampler) \(period) "$KG_DIR/profile" /bin/busybox timeout "$@"
            kg_prof_rc=$?
            kgate_put "$kg_p.profile" "$KG_DIR/profile"
            rm -f "$KG_DIR/profile"
            return $kg_prof_rc
        }

        """
    }

    /// The profile plan archive of one trial of `spec`.
    public static func planArchive(_ spec: WorkloadSpec, period: UInt64 = periodNanoseconds) throws -> Data {
        let source = try Resources.vmImages().appendingPathComponent("files/kgate-prof.c")
        let binary = try GuestImages.compileHelper(source)
        let script = prelude(period: period) + PlanGenerator.script([PlannedRun(spec: spec, trials: 1)])
        return try GuestImages.planArchive([
            PlanFile(path: GuestPlan.path, contents: Data(script.utf8), mode: GuestPlan.mode),
            PlanFile(path: sampler, contents: binary, mode: 0o755),
        ])
    }

    /// Boots `kernel` once with seed `seed` and returns the workload's profile,
    /// resolved against `systemMap`, with the trial's sample and the boot's wall seconds.
    public static func profile(spec: WorkloadSpec, kernel: URL, systemMap: URL, image: URL, mode: MeasurementMode,
                               paths: CachePaths, memoryMiB: Int = 1024, seed: UInt64 = seed, label: String = "profile",
                               console: Console = .shared) throws -> (profile: KernelProfile, sample: Sample?, seconds: Double) {
        let symbols = try SymbolMap.load(systemMap)
        let run = PlannedRun(spec: spec, trials: 1)
        let report = try WorkloadRunner.boot([run], kernel: kernel, image: image, mode: mode, paths: paths,
                                             label: label, memoryMiB: memoryMiB, seed: mode == .deterministic ? seed : nil,
                                             replay: mode == .deterministic, plan: try planArchive(spec), console: console)
        let name = BlobNames.trial(spec.name, 1) + ".profile"
        guard let blob = report.blobs.first(where: { $0.name == name }), blob.exitCode == 0 else {
            throw KGateError.infrastructure("the profile boot sent no profile (\(name))", location: kernel.path,
                                            fix: "check that the kernel has CONFIG_PERF_EVENTS and the plan runs its tool under timeout")
        }
        let profile = try KernelProfile.parse(blob.text, symbols: symbols, source: name)
        return (profile, report.results[spec.name]?.first?.sample, report.wallSeconds)
    }

    /// The System.map stored with a build result (`KernelBuild` keeps it next to bzImage).
    public static func systemMap(besides kernel: URL) -> URL {
        kernel.deletingLastPathComponent().appendingPathComponent("System.map")
    }
}
