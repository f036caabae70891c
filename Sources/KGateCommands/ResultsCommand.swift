import ArgumentParser
import Foundation
import Gate
import KGateCore
import Results

/// `kgate results`: the stored history.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results", abstract: "Stored results: list, show, export, import, trend.",
        subcommands: [ResultsList.self, ResultsShow.self, ResultsExport.self, ResultsImport.self, ResultsTrend.self, ResultsDemo.self])
}

func parseRunID(_ text: String) throws -> Int64 {
    guard let id = Int64(text), id > 0 else {
        throw KGateError.usage("'\(text)' is not a run id", fix: "use a number from 'kgate results list'")
    }
    return id
}

struct ResultsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List recent runs.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: StoreOption
    @Option(name: .long, help: "How many runs.") var limit = 30

    func run() throws {
        try reportingErrors(global, verb: "results list") {
            let runs = try db.open(global).listRuns(limit: limit)
            if runs.isEmpty { emit("no runs recorded"); return 0 }
            emit("id    kind     status       outcome       exit  started               base          candidate     subject")
            for r in runs {
                let started = ISO8601DateFormatter().string(from: r.startedAt)
                let subject = (r.seriesSubject ?? "").replacingOccurrences(of: "\n", with: " ").prefix(60)
                let cols = [String(r.id).padding(6), r.kind.rawValue.padding(9), r.status.rawValue.padding(13),
                            (r.overall?.rawValue ?? "—").padding(14), (r.exitCode.map(String.init) ?? "—").padding(6),
                            started.padding(22), String((r.baseRevision ?? "—").prefix(12)).padding(14),
                            String((r.candidateRevision ?? "—").prefix(12)).padding(14), String(subject)]
                emit(cols.joined())
            }
            return 0
        }
    }
}

struct ResultsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run (Markdown summary).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: StoreOption
    @Argument(help: "Run id.") var runID: String

    func run() throws {
        try reportingErrors(global, verb: "results show") {
            let report = try db.open(global).report(run: try parseRunID(runID))
            emit(MarkdownExporter.render(report))
            return 0
        }
    }
}

struct ResultsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export one run (md, junit, kcidb, html or json), or the whole history to another store.",
        discussion: """
        kgate results export RUN --format F [--output FILE]: one run's report.
        kgate results export --to URL|FILE: every run, sample, verdict, watched series and claim, \
        copied into that store in one transaction (ids kept when it has no runs yet, else renumbered).
        """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: StoreOption
    @Argument(help: "Run id.") var runID: String?
    @Option(name: .long, help: ArgumentHelp("The report format.", valueName: "format")) var format: ReportFormat?
    @Option(name: .long, help: "Write to this file instead of stdout.") var output: String?
    @Option(name: .long, help: "KCIDB origin (lowercase letters, digits, underscores).") var origin = "kgate"
    @Option(name: .customLong("to"), help: ArgumentHelp("Copy the whole history into this store.", valueName: "url|file"))
    var target: String?

    func validate() throws {
        if target != nil {
            guard runID == nil, format == nil, output == nil else {
                throw ValidationError("--to copies the whole history: give no run id, --format or --output")
            }
        } else if runID == nil || format == nil {
            throw ValidationError("give a run id and --format, or --to URL")
        }
    }

    func run() throws {
        try reportingErrors(global, verb: "results export") {
            if let target {
                return try copyHistory(from: db.open(global), to: ResultStore(location: StoreLocation.parse(target)))
            }
            guard let runID, let format else { throw KGateError.usage("give a run id and --format, or --to URL") }
            let report = try db.open(global).report(run: try parseRunID(runID))
            let text = try ReportExporter.render(report, format: format, options: ExportOptions(origin: origin))
            if let output {
                let url = URL(fileURLWithPath: output)
                do {
                    try Data(text.utf8).write(to: url, options: .atomic)
                } catch {
                    throw KGateError.infrastructure("cannot write the report", location: url.path, fix: "check the directory exists and is writable", cause: error)
                }
                Console.shared.line("wrote \(url.path)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            return 0
        }
    }
}

/// `export --to` and `import --from`: one copy, one line saying what moved where.
func copyHistory(from source: ResultStore, to target: ResultStore) throws -> Int32 {
    let summary = try source.copyHistory(to: target)
    let runs = summary.rows["runs"] ?? 0
    emit("copied \(runs) run(s), \(summary.total) row(s) from \(source.location) to \(target.location)"
         + (summary.keptIDs ? " (ids kept)" : " (renumbered: the target had runs)"))
    return 0
}

/// Records the fixed demo run (for the report screenshot and trying the exporters).
struct ResultsDemo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Record a demo run; print its id.",
                                                    shouldDisplay: false)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: StoreOption
    @Option(help: "Record the demo this many times (benchmarks/store.sh).") var count = 1

    func run() throws {
        try reportingErrors(global, verb: "results demo") {
            let store = try db.open(global)
            var last: Int64 = 0
            for _ in 0..<max(1, count) { last = try DemoRun.record(into: store) }
            emit(String(last))
            return 0
        }
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
