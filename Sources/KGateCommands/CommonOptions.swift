import ArgumentParser
import Foundation

/// `--tree`: the same in every verb that works on a registered tree (check, nightly, bisect, series apply).
struct TreeOption: ParsableArguments {
    @Option(help: ArgumentHelp("A registered tree (kgate tree list). Default: the embedded Debian 6.12 tree.", valueName: "name"))
    var tree: String?
}

/// `--report-dir`: the same in every verb that stores a run (check, nightly, bisect).
struct ReportOptions: ParsableArguments {
    @Option(name: .customLong("report-dir"), help: ArgumentHelp(
        "Write the run's reports here: summary.md, junit.xml, kcidb.json, report.html, report.json (bisect adds bisect.log, in git bisect replay format).",
        valueName: "dir"))
    var reportDir: String?

    var url: URL? { reportDir.map { URL(fileURLWithPath: $0) } }
}

/// `--threshold`: the same in bisect and bisect-step.
struct ThresholdOption: ParsableArguments {
    @Option(help: ArgumentHelp("Regression threshold, e.g. 3% or 0.03 (default: the mode's).", valueName: "percent"))
    var threshold: String?

    /// The threshold as a fraction, if given.
    func value() throws -> Double? { try threshold.map(parseThreshold) }
}
