import ArgumentParser
import Foundation
import Gate
import KGateCore
import Results

/// `kgate results`: the stored history.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results", abstract: "Stored results: list, show, export, trend.",
        subcommands: [ResultsList.self, ResultsShow.self, ResultsExport.self, ResultsTrend.self, ResultsDemo.self])
}

/// Options naming the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Results database (default: <cache>/results.sqlite).", valueName: "file"))
    var database: String?

    func store(_ global: GlobalOptions) throws -> ResultStore {
        let url = database.map { URL(fileURLWithPath: $0) } ?? global.paths.resultsDatabase
        return try ResultStore(url: url)
    }
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
    @OptionGroup var db: DatabaseOptions
    @Option(name: .long, help: "How many runs.") var limit = 30

    func run() throws {
        try reportingErrors(global, verb: "results list") {
            let runs = try db.store(global).listRuns(limit: limit)
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
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Run id.") var runID: String

    func run() throws {
        try reportingErrors(global, verb: "results show") {
            let report = try db.store(global).report(run: try parseRunID(runID))
            emit(MarkdownExporter.render(report))
            return 0
        }
    }
}

struct ResultsExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export one run: md, junit, kcidb, html or json.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Run id.") var runID: String
    @Option(name: .long, help: ArgumentHelp("The report format.", valueName: "format")) var format: ReportFormat
    @Option(name: .long, help: "Write to this file instead of stdout.") var output: String?
    @Option(name: .long, help: "KCIDB origin (lowercase letters, digits, underscores).") var origin = "kgate"

    func run() throws {
        try reportingErrors(global, verb: "results export") {
            let report = try db.store(global).report(run: try parseRunID(runID))
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

/// Records the fixed demo run (for the report screenshot and trying the exporters).
struct ResultsDemo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Record a demo run; print its id.",
                                                    shouldDisplay: false)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: DatabaseOptions

    func run() throws {
        try reportingErrors(global, verb: "results demo") {
            emit(String(try DemoRun.record(into: db.store(global))))
            return 0
        }
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
