import ArgumentParser
import Foundation
import KGateCore
import ListBot
import Results

/// `kgate watch`: the patchwork list bot.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "List bot: give every series of a patchwork project a throughput check on each patch.",
        discussion: """
        Polls the project's series-completed events, checks each complete series once (as \
        kgate check does, on its base-commit when the tree has it, else the tree's HEAD) and \
        posts one check per patch: success, fail (regression or broken patch) or warning \
        (inconclusive, skipped, machine fault). The series and its checks are remembered in \
        the results store, so a restart resumes and a second watcher on the same cache never \
        checks the same series. The token comes from $KGATE_PATCHWORK_TOKEN or \
        --patchwork-token-file, never the command line. Exit codes: 0 (--once: everything \
        pending handled), 4 infrastructure failure, 64 usage error.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var storeOption: StoreOption

    @Option(help: ArgumentHelp("The patchwork instance (e.g. https://patchwork.kernel.org).", valueName: "url"))
    var patchwork: String

    @Option(help: ArgumentHelp("The patchwork project's link name (e.g. netdevbpf).", valueName: "name"))
    var project: String

    @OptionGroup var tree: TreeOption

    @OptionGroup var pipelineOption: PipelineOption

    @OptionGroup var measurement: ModeOption

    @Flag(help: "Handle what is pending, then exit.")
    var once = false

    @Option(help: ArgumentHelp("Seconds between polls.", valueName: "s"))
    var interval: Double = 120

    @Option(help: ArgumentHelp("On the first start, read events from this patchwork date (UTC, e.g. 2026-12-07T00:00:00). Default: now.",
                               valueName: "date"))
    var since: String?

    @Option(name: .customLong("max-patches"), help: ArgumentHelp("Larger series get a 'skipped' warning.", valueName: "n"))
    var maxPatches = 30

    @Option(name: .customLong("max-age"), help: ArgumentHelp("Series older than this many hours get a 'skipped' warning.", valueName: "hours"))
    var maxAge: Double?

    @Option(name: .customLong("report-root"), help: ArgumentHelp("Keep each series' reports under DIR/<series id>/.", valueName: "dir"))
    var reportRoot: String?

    @Option(name: .customLong("report-url"), help: ArgumentHelp("Link each check to BASE/<series id>/ (where --report-root is served).", valueName: "base"))
    var reportURL: String?

    @Option(name: .customLong("patchwork-context"), help: ArgumentHelp("The checks' context on patchwork.", valueName: "slug"))
    var context = "kgate-throughput"

    @Option(name: .customLong("patchwork-token-env"), help: ArgumentHelp("The environment variable holding the patchwork API token.", valueName: "var"))
    var tokenEnv = "KGATE_PATCHWORK_TOKEN"

    @Option(name: .customLong("patchwork-token-file"), help: ArgumentHelp("A file holding the patchwork API token.", valueName: "file"))
    var tokenFile: String?

    @Flag(name: .customLong("no-fetch"), help: "Do not fetch the tree's remotes before each check.")
    var noFetch = false

    @Option(name: .customLong("handoff-command"),
            help: ArgumentHelp("Hand each series to a CI engine instead of checking it here: a command with {series}, {version}, {project}, {patchwork} replaced (no shell).",
                               valueName: "command"))
    var handoffCommand: String?

    func validate() throws {
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
        guard maxPatches >= 1 else { throw ValidationError("--max-patches must be at least 1") }
        if let maxAge, !(maxAge > 0) { throw ValidationError("--max-age must be a positive number of hours") }
        if let since, PatchworkFeed.date(since) == nil { throw ValidationError("--since '\(since)' is not a date like 2026-12-07T00:00:00") }
    }

    func run() throws {
        try reportingErrors(global, verb: "watch") {
            Supervisor.install()
            let token = try readPatchworkToken(file: tokenFile, environmentVariable: tokenEnv)
            // No child (make, QEMU, a hand-off command) inherits the token.
            unsetenv(tokenEnv)
            var options = WatchOptions(server: patchwork, project: project, token: token)
            options.context = context
            options.since = since
            options.maxPatches = maxPatches
            options.maxAge = maxAge.map { $0 * 3600 }
            options.reportRoot = reportRoot.map { URL(fileURLWithPath: $0, isDirectory: true) }
            options.reportURL = reportURL
            let paths = storeOption.paths(global)
            let checker: any SeriesChecker = try handoffCommand.map { try HandoffSeriesChecker(command: $0) }
                ?? LocalSeriesChecker(paths: paths, tree: tree.tree, pipeline: pipelineOption.pipeline,
                                      mode: measurement.mode, fetch: !noFetch)
            let watcher = try Watcher(options: options, store: try ResultStore(paths: paths), checker: checker)
            // SIGTERM: the Supervisor stops the children, then this releases the claim; the series is checked again later.
            _ = Supervisor.onInterrupt { _ in watcher.releaseClaims() }
            if once {
                report(try watcher.pollOnce())
                return 0
            }
            while true {
                // A poll that fails (patchwork down, a bad reply) is reported; the next one tries again.
                do {
                    report(try watcher.pollOnce())
                } catch {
                    Supervisor.parkIfInterrupted()
                    Console.shared.line("watch: poll failed: \(KGateError.describe(error).split(separator: "\n").first ?? "")")
                }
                Thread.sleep(forTimeInterval: interval)
            }
        }
    }

    private func report(_ s: PollSummary) {
        Console.shared.line("watch: poll done: \(s.newSeries) new series, \(s.checked) checked, "
                            + "\(s.posted) check(s) posted, \(s.postFailures) post(s) failed")
    }
}
