import Foundation
import KGateCore

/// The guest protocol's plan (vm-images/PROTOCOL.md), in one place: the guest's
/// /init sources `/kgate/plan.sh` from a second cpio archive, whose functions
/// (`kgate_run`, `kgate_send`, …) the plan calls. Every plan kgate boots goes
/// through here: workload boots (`WorkloadRunner`) and `kgate boot -- CMD`.
public enum GuestPlan {
    /// Where /init looks for the plan.
    public static let path = "kgate/plan.sh"
    /// The plan's file mode. The archive's bytes are part of the initrd, so of
    /// what fixes a seeded draw: another mode is another draw.
    public static let mode: UInt32 = 0o755

    /// The plan archive holding `script` as the plan.
    public static func archive(_ script: String) throws -> Data {
        try GuestImages.planArchive([PlanFile(path: path, contents: Data(script.utf8), mode: mode)])
    }

    /// A plan line running `argv` with /init's `kgate_run NAME CMD ARGS…`: its
    /// stdout and stderr come back as the blobs `NAME.out` and `NAME.err`.
    public static func run(_ argv: [String], as name: String) -> String {
        "kgate_run \(name) " + argv.map(Shell.quote).joined(separator: " ") + "\n"
    }
}
