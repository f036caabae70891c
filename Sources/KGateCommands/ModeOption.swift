import ArgumentParser
import KGateCore

/// `--mode`: one typed option, the same in every verb that boots or judges
/// (check, nightly, bisect, bisect-step, boot, run, gate simulate).
struct ModeOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Measurement mode (default: the pipeline's; auto for verbs without a pipeline).",
        discussion: "auto uses KVM when a probe boot works on this host (cached) and deterministic TCG otherwise; "
            + "deterministic, tcg and kvm force one (docs/DESIGN.md, \"Measurement modes\")."))
    var mode: MeasurementMode?

    /// The mode given, else `fallback` (a pipeline's mode, or auto).
    func or(_ fallback: MeasurementMode) -> MeasurementMode { mode ?? fallback }
}

extension MeasurementMode: ExpressibleByArgument {}
