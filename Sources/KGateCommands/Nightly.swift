import ArgumentParser
import Foundation
import KGateCore
import Pipeline

/// `kgate nightly`: did anything that landed since the last good night regress, and which commit?
struct Nightly: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Compare what landed with the last good night; on a regression, bisect to the commit.",
        discussion: """
        The last good revision is the head of the last passing nightly run of the same tree and \
        pipeline (kept in the results store), or --good. The first night records a baseline. \
        Exit codes as kgate check: 0 pass, 1 regression (the culprit is named), 3 inconclusive, \
        4 infrastructure failure, 64 usage error.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var storeOption: StoreOption

    @OptionGroup var tree: TreeOption

    @Option(help: ArgumentHelp("The last good revision (default: from the results store).", valueName: "rev"))
    var good: String?

    @Option(help: ArgumentHelp("What landed (default: HEAD).", valueName: "rev"))
    var head: String = "HEAD"

    @OptionGroup var pipelineOption: PipelineOption

    @OptionGroup var measurement: ModeOption

    @OptionGroup var reports: ReportOptions

    @Flag(name: .customLong("no-bisect"), help: "Do not bisect a regression.")
    var noBisect = false

    @Flag(name: .customLong("no-profile"), help: ArgumentHelp(
        "Skip the kernel profiles: of regressed and improved workloads, and of the culprit against its parent."))
    var noProfile = false

    func run() throws {
        try reportingErrors(global, verb: "nightly") {
            let outcome = try NightlyDriver(paths: storeOption.paths(global)).run(NightlyRequest(
                tree: tree.tree, good: good, head: head, pipeline: pipelineOption.pipeline, mode: measurement.mode,
                reportDir: reports.url, bisect: !noBisect, profile: !noProfile))
            emit(outcome.summary)
            return outcome.exitCode
        }
    }
}
