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

    @Option(help: ArgumentHelp("A registered tree (kgate tree list). Default: the embedded Debian 6.12 tree.", valueName: "name"))
    var tree: String?

    @Option(help: ArgumentHelp("The base revision. Default: the series' base-commit, else the tree's HEAD.", valueName: "rev"))
    var base: String?

    @Option(help: ArgumentHelp("An mbox, a .patch mail, a format-patch directory or a message-id; with --patchwork, the patchwork series id.",
                               valueName: "source"))
    var series: String?

    @Option(help: ArgumentHelp("A lore message-id (same as --series <msgid>).", valueName: "msgid"))
    var lore: String?

    @Option(name: .customLong("lore-url"), help: ArgumentHelp("The public-inbox to fetch message-ids from.", valueName: "url"))
    var loreURL: String = SeriesLoader.defaultLoreURL

    @Option(help: ArgumentHelp("A patchwork instance to fetch the series from (--series is then its id).", valueName: "url"))
    var patchwork: String?

    @Option(help: ArgumentHelp("A pipeline name under pipelines/ or a YAML file.", valueName: "name|file"))
    var pipeline: String?

    @OptionGroup var measurement: ModeOption

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Write summary.md, junit.xml, kcidb.json, report.html, report.json here.",
                                                                 valueName: "dir"))
    var reportDir: String?

    @Option(help: ArgumentHelp("Run only this workload of the pipeline (repeatable; for CI shards).", valueName: "name"))
    var workload: [String] = []

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

    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        try sharding.validate(hasSeries: series != nil || lore != nil)
        if sharding.artifacts != nil { return }
        if series == nil && lore == nil { throw ValidationError("give the series: --series SOURCE or --lore MSGID") }
        if series != nil && lore != nil { throw ValidationError("give either --series or --lore, not both") }
        if postPatchwork != nil && patchwork == nil { throw ValidationError("--post-patchwork needs --patchwork URL") }
    }

    func run() throws {
        try reportingErrors(global, verb: Self.configuration.commandName ?? "") {
            if let code = try runShard() { return code }
            let paths = global.paths
            var patchworkRef: PatchworkSeriesRef?
            if let patchwork {
                guard let s = series, let id = Int(s), id > 0 else {
                    throw KGateError.usage("with --patchwork, --series is the patchwork series id (a number)")
                }
                patchworkRef = PatchworkSeriesRef(baseURL: patchwork, seriesID: id)
            }
            var post: PatchworkPost?
            if let postPatchwork, let patchwork {
                post = PatchworkPost(baseURL: patchwork, patchID: postPatchwork, token: try readToken(),
                                     context: context, targetURL: targetURL)
            }
            let request = CheckRequest(
                tree: tree, base: base, series: patchworkRef == nil ? (lore ?? series) : nil, loreURL: loreURL,
                patchwork: patchworkRef, pipeline: pipeline, mode: measurement.mode,
                reportDir: reportDir.map { URL(fileURLWithPath: $0) }, onlyWorkloads: workload, post: post)
            let outcome = try CheckDriver(paths: paths).run(request)
            emit(outcome.summary)
            Console.shared.line("kgate check: exit \(outcome.exitCode) (\(Results.RunReport.meaning(ofExitCode: outcome.exitCode)))")
            return outcome.exitCode
        }
    }

    /// The token comes from a file or an environment variable, never the command line.
    private func readToken() throws -> String {
        if let tokenFile {
            let data = try readBoundedFile(URL(fileURLWithPath: tokenFile), limit: 4096, what: "patchwork token file")
            return String(decoding: data, as: UTF8.self)
        }
        guard let token = ProcessInfo.processInfo.environment[tokenEnv], !token.isEmpty else {
            throw KGateError.usage("no patchwork token: $\(tokenEnv) is not set",
                                   fix: "export \(tokenEnv)=<token>, or pass --patchwork-token-file FILE")
        }
        return token
    }
}
