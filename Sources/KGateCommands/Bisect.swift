import ArgumentParser
import Foundation
import KGateCore
import Pipeline

/// `kgate bisect`: find the commit in good..bad that regressed a workload.
struct Bisect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bisect",
        abstract: "Find the commit that regressed throughput, despite noise.",
        discussion: """
        Measures both endpoints first and stops if they are not distinguishable at the threshold. \
        Each step is classified against both endpoints' samples, with trials added until it is \
        clearly closer to one; commits that do not build or boot are skipped. The culprit is \
        confirmed by measuring its revert on top of bad; in deterministic mode the culprit's kernel \
        profile against its parent follows (--no-profile skips it). Exit 0 culprit named, 3 undecidable, \
        4 infrastructure failure, 64 usage error.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var storeOption: StoreOption

    @OptionGroup var tree: TreeOption

    @Option(help: ArgumentHelp("A revision with good throughput.", valueName: "rev"))
    var good: String

    @Option(help: ArgumentHelp("A later revision with bad throughput.", valueName: "rev"))
    var bad: String

    @Option(help: ArgumentHelp("The workload to bisect on (built-in name or YAML file).", valueName: "name|file"))
    var workload: String

    @OptionGroup var pipelineOption: PipelineOption

    @OptionGroup var threshold: ThresholdOption

    @OptionGroup var measurement: ModeOption

    @Flag(name: .customLong("first-parent"), help: "Follow only the first parent of merges.")
    var firstParent = false

    @OptionGroup var reports: ReportOptions

    @Flag(name: .customLong("no-profile"), help: ArgumentHelp(
        "Skip the kernel profile of the culprit against its parent (two more seeded boots, deterministic mode)."))
    var noProfile = false

    func run() throws {
        try reportingErrors(global, verb: "bisect") {
            let t = try threshold.value()
            let outcome = try BisectDriver(paths: storeOption.paths(global)).run(BisectRequest(
                tree: tree.tree, good: good, bad: bad, workload: workload, pipeline: pipelineOption.pipeline, threshold: t, mode: measurement.mode,
                firstParent: firstParent, reportDir: reports.url, profile: !noProfile))
            emit(outcome.log)
            emit("run: \(outcome.run)")
            emit(outcome.summary)
            if let culprit = outcome.culprit { emit(culprit) }
            return outcome.exitCode
        }
    }
}

/// A --threshold value ("3%", "3 %" or "0.03" → 0.03).
func parseThreshold(_ text: String) throws -> Double {
    guard let value = parseFraction(text) else {
        throw KGateError.usage("invalid threshold '\(text)'", fix: "use a percentage like 3% or a fraction like 0.03")
    }
    return value
}
