import Foundation
import KGateCore

/// Writes a stored run's reports into a directory: summary.md, junit.xml,
/// kcidb.json, report.html, report.json.
public enum ReportWriter {
    public static let files: [(ReportFormat, String)] = [
        (.md, "summary.md"), (.junit, "junit.xml"), (.kcidb, "kcidb.json"), (.html, "report.html"), (.json, "report.json"),
    ]

    @discardableResult
    public static func write(_ report: RunReport, to directory: URL, origin: String) throws -> [URL] {
        try CachePaths.ensureDirectory(directory)
        return try files.map { format, name in
            let url = directory.appendingPathComponent(name)
            let text = try ReportExporter.render(report, format: format, options: ExportOptions(origin: origin))
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw KGateError.infrastructure("cannot write report", location: url.path,
                                                fix: "check that --report-dir is writable", cause: error)
            }
            return url
        }
    }
}
