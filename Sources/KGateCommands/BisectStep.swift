import ArgumentParser
import Foundation
import KGateCore
import Pipeline

/// `kgate bisect-step`: one step of `git bisect run`, in the user's own clone.
struct BisectStepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bisect-step",
        abstract: "Classify the checked-out revision for `git bisect run`: exit 0 good, 1 bad, 125 skip.",
        discussion: """
        Builds the working tree of the clone (the current directory, or --source), boots it, \
        measures the workload and compares the samples with the good and bad samples given, or \
        with those of a stored run (--from-run: a check's base/candidate, a bisect's endpoints). \
        A revision that does not build or boot, or stays unclear at the trial cap, is skipped (125). \
        Errors of kgate itself exit 128 so that `git bisect run` stops instead of blaming a commit.

          git bisect start BAD GOOD
          git bisect run kgate bisect-step --workload tcp-stream-10ms --from-run 7

        With --tree NAME each step builds in kgate's worktree of tree NAME (warm from `kgate bisect` \
        or `kgate check` on it) instead of a cold object directory for the clone.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var storeOption: StoreOption

    @Option(help: ArgumentHelp("The workload (built-in name or YAML file).", valueName: "name|file"))
    var workload: String

    @Option(name: .customLong("good-samples"), help: ArgumentHelp("Samples of the good revision, comma-separated.", valueName: "x,y,…"))
    var goodSamples: String?

    @Option(name: .customLong("bad-samples"), help: ArgumentHelp("Samples of the bad revision, comma-separated.", valueName: "x,y,…"))
    var badSamples: String?

    @Option(name: .customLong("from-run"), help: ArgumentHelp("Take good and bad samples from a stored run.", valueName: "run"))
    var fromRun: Int64?

    @Option(help: ArgumentHelp("The clone to build (default: the current directory).", valueName: "dir"))
    var source: String?

    @Option(help: ArgumentHelp("Build in the worktree of this kgate tree instead of the clone: its object directory and compiler cache are warm from earlier checks and bisects, so no step starts cold. The clone's objects are imported into the tree first.", valueName: "name"))
    var tree: String?

    @OptionGroup var pipelineOption: PipelineOption

    @OptionGroup var threshold: ThresholdOption

    @OptionGroup var measurement: ModeOption

    func run() throws {
        // Every failure of kgate itself exits 128: git bisect run aborts rather than marking the commit.
        try reportingErrors(global, verb: "bisect-step", failureCode: KGateExitCode.bisectAbort) {
            let paths = storeOption.paths(global)
            let (good, bad): ([Double], [Double])
            if let fromRun {
                (good, bad) = try BisectStepDriver.samples(fromRun: fromRun, workload: workload, paths: paths)
            } else {
                guard let goodSamples, let badSamples else {
                    throw KGateError.usage("give --good-samples and --bad-samples, or --from-run RUN")
                }
                good = try Self.parse(goodSamples, "--good-samples")
                bad = try Self.parse(badSamples, "--bad-samples")
            }
            let outcome = try BisectStepDriver(paths: paths).run(BisectStepRequest(
                source: URL(fileURLWithPath: source ?? FileManager.default.currentDirectoryPath),
                workload: workload, good: good, bad: bad, pipeline: pipelineOption.pipeline,
                threshold: try threshold.value(), mode: measurement.mode, tree: tree))
            emit(outcome.line)
            return outcome.exitCode
        }
    }

    static func parse(_ text: String, _ option: String) throws -> [Double] {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == " " })
        guard parts.count <= 1000 else { throw KGateError.usage("\(option): more than 1000 samples") }
        return try parts.map { p in
            guard let v = Double(p), v.isFinite else { throw KGateError.usage("\(option): '\(p)' is not a number") }
            return v
        }
    }
}
