import Foundation
import KGateCore

/// Writes the trend into a directory: trend.html, trend.json, and each charted
/// night's report as nights/run-N.html (the points' links).
public enum TrendWriter {
    @discardableResult
    public static func write(store: ResultStore, to directory: URL, tree: String? = nil, pipeline: String? = nil,
                             workload: String? = nil, nights limit: Int = 90) throws -> TrendDocument {
        let reports = try store.nightlyReports(tree: tree, pipeline: pipeline, limit: limit)
        let doc = TrendBuilder.build(reports, tree: tree, pipeline: pipeline, workload: workload)
        let nightsDir = directory.appendingPathComponent("nights")
        try CachePaths.ensureDirectory(nightsDir)
        let charted = Set(doc.series.flatMap { $0.nights.map(\.run) })
        for report in reports where charted.contains(report.run.id) {
            try save(HTMLExporter.render(report), directory.appendingPathComponent(TrendBuilder.reportPath(run: report.run.id)))
        }
        try save(TrendHTML.render(doc), directory.appendingPathComponent("trend.html"))
        try save(try json(doc), directory.appendingPathComponent("trend.json"))
        return doc
    }

    /// trend.json: sorted keys, ISO 8601 dates, exact values.
    public static func json(_ doc: TrendDocument) throws -> String {
        try JSONReport.encode(doc, what: "the trend")
    }

    private static func save(_ text: String, _ url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw KGateError.infrastructure("cannot write the trend", location: url.path,
                                            fix: "check that the output directory is writable", cause: error)
        }
    }
}
