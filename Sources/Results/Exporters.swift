import Foundation
import Gate
import KGateCore

/// The report formats of `kgate results export`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case md, junit, kcidb, html, json
}

/// Options shared by the exporters.
public struct ExportOptions: Sendable, Equatable {
    /// KCIDB origin: lowercase letters, digits and underscores.
    public var origin: String

    public init(origin: String = "kgate") {
        self.origin = origin
    }
}

public enum ReportExporter {
    /// Renders a report in one format.
    public static func render(_ report: RunReport, format: ReportFormat, options: ExportOptions = ExportOptions()) throws -> String {
        switch format {
        case .md: return MarkdownExporter.render(report)
        case .junit: return JUnitExporter.render(report)
        case .kcidb: return try KCIDBExporter.render(report, origin: options.origin)
        case .html: return HTMLExporter.render(report)
        case .json: return try JSONReport.render(report)
        }
    }
}

/// The RunReport itself as JSON (sorted keys, ISO 8601 dates): the archival format.
public enum JSONReport {
    public static func render(_ report: RunReport) throws -> String {
        try encode(report, what: "run \(report.run.id)")
    }

    /// kgate's archival JSON of any value (sorted keys, ISO 8601 dates, exact values):
    /// the run report and the trend (`TrendWriter.json`).
    static func encode(_ value: some Encodable, what: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        } catch {
            throw KGateError.infrastructure("cannot encode \(what) as JSON", excerpt: String(describing: error), cause: error)
        }
    }

    public static func decode(_ data: Data) throws -> RunReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(RunReport.self, from: data)
        } catch {
            throw KGateError.usage("not a kgate RunReport JSON", fix: "export one with 'kgate results export <run> --format json'", cause: error)
        }
    }
}

/// Escaping for the text formats.
public enum Escape {
    /// HTML/XML text and attribute values: & < > " ' and control characters.
    public static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                // XML 1.0 forbids most control characters even as references.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Markdown table cells and inline text: HTML-escaped (GitLab and GitHub render
    /// inline HTML) and Markdown punctuation backslash-escaped; one line.
    public static func markdown(_ s: String) -> String {
        var out = ""
        for ch in html(s) {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "|", "#", "~": out += "\\\(ch)"
            case "\n", "\r", "\t": out += " "
            default: out.append(ch)
            }
        }
        return out
    }
}

/// Shared phrasing for the reports.
enum Phrase {
    static func outcome(_ o: GateOutcome?) -> String { o?.rawValue ?? "no verdict" }

    static func icon(_ o: GateOutcome?) -> String {
        switch o {
        case .regression: return "❌"
        case .improvement: return "🚀"
        case .unchanged: return "✅"
        case .inconclusive: return "❔"
        case nil: return "⚠️"
        }
    }

    static func short(_ revision: String?) -> String {
        guard let revision, !revision.isEmpty else { return "—" }
        return String(revision.prefix(12))
    }

    static func value(_ x: Double, _ unit: String) -> String {
        Format.quantity(x, unit: unit)
    }

    static func interval(_ a: GateAnalysis) -> String {
        "\(Format.percent(a.effect)) [\(Format.percent(a.lower)), \(Format.percent(a.upper))]"
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// What the run's exit code means, or why there is none.
    static func exit(_ report: RunReport) -> String {
        guard let code = report.run.exitCode else {
            return report.run.status == .interrupted ? "interrupted: no verdict was written" : "no exit code"
        }
        return "exit code \(code) (\(RunReport.meaning(ofExitCode: code)))"
    }
}
