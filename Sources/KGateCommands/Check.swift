import ArgumentParser
import Foundation
import KGateCore
import PatchSeries
import Pipeline
import Results

/// `kgate check`: the pre-merge gate.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Pre-merge gate: does this series regress network throughput against its base?",
        discussion: """
        Applies the series on the base, builds both kernels, boots both, runs the pipeline's \
        workloads with adaptive A/B trials and decides. Without --tree the embedded default is \
        used: Debian's Linux 6.12 source, imported into the cache on first use, its head as base. \
        The pull-request form, --tree T --base REV --head REV, measures the head commit against the base, \
        no series. Exit codes: 0 pass, 1 throughput regression, 2 broken patch (does not apply, build or \
        boot), 3 inconclusive, 4 infrastructure failure, 64 usage error.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var storeOption: StoreOption

    @OptionGroup var tree: TreeOption

    @Option(help: ArgumentHelp("The base revision. Default: the series' base-commit, else the tree's HEAD.", valueName: "rev"))
    var base: String?

    @OptionGroup var from: SeriesSourceOptions

    @OptionGroup var pipelineOption: PipelineOption

    @OptionGroup var measurement: ModeOption

    @OptionGroup var reports: ReportOptions

    @Option(name: .customLong("only-workload"),
            help: ArgumentHelp("Run only this workload of the pipeline (repeatable; for CI shards).", valueName: "name"))
    var onlyWorkload: [String] = []

    @OptionGroup var pairing: PairingOption

    @OptionGroup var patchworkPost: PatchworkPostOptions

    @Option(help: ArgumentHelp("The pull-request form: compare --base with this revision of --tree (no series).",
                               valueName: "rev"))
    var head: String?

    @Flag(name: .customLong("no-profile"), help: ArgumentHelp(
        "Skip the kernel profile of regressed and improved workloads (two more seeded boots each, deterministic mode)."))
    var noProfile = false

    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        try sharding.validate(hasSeries: from.series != nil || from.lore != nil || head != nil)
        if patchworkPost.patchID != nil && from.patchwork == nil { throw ValidationError("--post-patchwork needs --patchwork URL") }
        if head != nil {
            if from.series != nil || from.lore != nil || from.patchwork != nil {
                throw ValidationError("--head compares two revisions of --tree: drop --series/--lore/--patchwork (or drop --head)")
            }
            if tree.tree == nil || base == nil { throw ValidationError("--head needs --tree NAME and --base REV (the pull request's base)") }
        }
    }

    func run() throws {
        try reportingErrors(global, verb: "check") {
            if let code = try runShard() { return code }
            let paths = storeOption.paths(global)
            let (source, patchworkRef) = head == nil ? try from.resolve() : (nil, nil)
            let post = try patchworkPost.post(baseURL: from.patchwork ?? "")
            var request = CheckRequest(
                tree: tree.tree, base: base, series: source, loreURL: from.loreURL,
                patchwork: patchworkRef, pipeline: pipelineOption.pipeline, mode: measurement.mode,
                reportDir: reports.url, onlyWorkloads: onlyWorkload, post: post)
            request.pairing = pairing.pairing
            request.profile = !noProfile
            request.head = head
            let outcome = try CheckDriver(paths: paths).run(request)
            emit(outcome.summary)
            Console.shared.line("kgate check: exit \(outcome.exitCode) (\(RunReport.meaning(ofExitCode: outcome.exitCode)))")
            return outcome.exitCode
        }
    }
}
