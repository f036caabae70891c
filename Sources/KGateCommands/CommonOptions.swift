import ArgumentParser
import Foundation
import Gate
import KGateCore
import Results

/// `--tree`: the same in every verb that works on a registered tree (check, nightly, bisect, series apply).
struct TreeOption: ParsableArguments {
    @Option(help: ArgumentHelp("A registered tree (kgate tree list). Default: the embedded Debian 6.12 tree.", valueName: "name"))
    var tree: String?
}

/// `--pipeline`: the same in every verb that runs a pipeline (check, merge, nightly, bisect, bisect-step).
struct PipelineOption: ParsableArguments {
    @Option(help: ArgumentHelp("A pipeline name under pipelines/ or a YAML file (default: premerge for check and merge, nightly for nightly and the bisect verbs).",
                               valueName: "name|file"))
    var pipeline: String?
}

/// `--pairing`: how seeded trials are compared, overriding the pipeline's (check).
struct PairingOption: ParsableArguments {
    @Option(help: ArgumentHelp("Deterministic mode: paired (the candidate shares the base's seeds, compared pair by pair), unpaired (other seeds, compared as a whole), or auto (shared seeds, each look chooses). Default: the pipeline's.",
                               valueName: "pairing"))
    var pairing: Pairing?
}

extension Pairing: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

/// `--report-dir`: the same in every verb that stores a run (check, merge, nightly, bisect).
struct ReportOptions: ParsableArguments {
    @Option(name: .customLong("report-dir"), help: ArgumentHelp(
        "Write the run's reports here: summary.md, junit.xml, kcidb.json, report.html, report.json (bisect adds bisect.log, in git bisect replay format; nightly adds the trend: trend.html, trend.json, nights/).",
        valueName: "dir"))
    var reportDir: String?

    var url: URL? { reportDir.map { URL(fileURLWithPath: $0) } }
}

/// `--threshold`: the same in bisect, bisect-step and gate simulate.
struct ThresholdOption: ParsableArguments {
    @Option(help: ArgumentHelp("Regression threshold, e.g. 3% or 0.03 (default: the mode's).", valueName: "percent"))
    var threshold: String?

    /// The threshold as a fraction, if given.
    func value() throws -> Double? { try threshold.map(parseThreshold) }
}

/// `--store`: the same in every verb that reads or writes results (check, merge, nightly,
/// bisect, bisect-step, watch, results). A password never goes in it: libpq reads
/// PGPASSWORD or the password file (~/.pgpass, PGPASSFILE).
struct StoreOption: ParsableArguments {
    @Option(name: [.customLong("store"), .customLong("database")], help: ArgumentHelp(
        "The results store: postgres://user@host[:port]/db[?sslmode=require] or a SQLite file. Default: $KGATE_STORE, else <cache>/results.sqlite. The password comes from PGPASSWORD or ~/.pgpass.",
        valueName: "url|file"))
    var store: String?

    /// The cache paths with this store (`--store`, else KGATE_STORE, else the cache's file).
    func paths(_ global: GlobalOptions) -> CachePaths {
        var paths = global.paths
        paths.store = store
        return paths
    }

    func open(_ global: GlobalOptions) throws -> ResultStore {
        try ResultStore(paths: paths(global))
    }
}
