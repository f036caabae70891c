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
        Exit codes: 0 pass, 1 throughput regression, 2 broken patch (does not apply, build or \
        boot), 3 inconclusive, 4 infrastructure failure, 64 usage error.
        """)

    @OptionGroup var global: GlobalOptions

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

    @Option(name: .customLong("post-patchwork"),
            help: ArgumentHelp("Post the verdict as a check on this patchwork patch id (needs --patchwork).", valueName: "patch-id"))
    var postPatchwork: Int?

    @Option(name: .customLong("patchwork-token-env"),
            help: ArgumentHelp("The environment variable holding the patchwork API token.", valueName: "var"))
    var tokenEnv: String = "KGATE_PATCHWORK_TOKEN"

    @Option(name: .customLong("patchwork-token-file"), help: ArgumentHelp("A file holding the patchwork API token.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("patchwork-context"), help: ArgumentHelp("The check's context on patchwork.", valueName: "slug"))
    var context: String = "kgate-throughput"

    @Option(name: .customLong("target-url"), help: ArgumentHelp("A URL for the check's link (the CI job).", valueName: "url"))
    var targetURL: String?

    @Flag(name: .customLong("no-profile"), help: ArgumentHelp(
        "Skip the kernel profile of regressed and improved workloads (two more seeded boots each, deterministic mode)."))
    var noProfile = false

    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        try sharding.validate(hasSeries: from.series != nil || from.lore != nil)
        if postPatchwork != nil && from.patchwork == nil { throw ValidationError("--post-patchwork needs --patchwork URL") }
    }

    func run() throws {
        try reportingErrors(global, verb: "check") {
            if let code = try runShard() { return code }
            let paths = global.paths
            let (source, patchworkRef) = try from.resolve()
            var post: PatchworkPost?
            if let postPatchwork, let patchwork = from.patchwork {
                post = PatchworkPost(baseURL: patchwork, patchID: postPatchwork, token: try readToken(),
                                     context: context, targetURL: targetURL)
            }
            var request = CheckRequest(
                tree: tree.tree, base: base, series: source, loreURL: from.loreURL,
                patchwork: patchworkRef, pipeline: pipelineOption.pipeline, mode: measurement.mode,
                reportDir: reports.url, onlyWorkloads: onlyWorkload, post: post)
            request.pairing = pairing.pairing
            request.profile = !noProfile
            let outcome = try CheckDriver(paths: paths).run(request)
            emit(outcome.summary)
            Console.shared.line("kgate check: exit \(outcome.exitCode) (\(RunReport.meaning(ofExitCode: outcome.exitCode)))")
            return outcome.exitCode
        }
    }

    /// The token comes from a file or an environment variable, never the command line.
    private func readToken() throws -> String {
        try readPatchworkToken(file: tokenFile, environmentVariable: tokenEnv)
    }
}
