import Foundation
import KGateCore
import KernelProfile

/// The kernel profile rows of a report (docs/DESIGN.md, "Kernel profiles"): per
/// regressed or improved workload, the functions whose share of guest samples
/// grew and shrank most, base → candidate. One wording for the terminal,
/// Markdown and HTML; JSON carries `RunReport.profiles` as they are.
public enum ProfileReport {
    static func percent(_ share: Double) -> String { String(format: "%.2f %%", share * 100) }
    static func points(_ delta: Double) -> String { String(format: "%+.2f pt", delta * 100) }

    /// The workload, and what was profiled when it is a bisection's culprit.
    static func title(_ c: ProfileComparison) -> String {
        c.culprit.map { "\(c.workload), \($0.text)" } ?? c.workload
    }

    /// The heading of one workload's rows.
    public static func heading(_ c: ProfileComparison) -> String {
        "\(title(c)): kernel functions whose share of guest samples changed (\(c.baseSamples) base, "
            + "\(c.candidateSamples) candidate samples, one every \(c.periodNanoseconds / 1000) µs of guest time"
            + (c.userShare.map { "; user space \(percent($0.base)) → \(percent($0.candidate))" } ?? "") + ")"
    }

    /// `grew  tcp_rcv_window_audit  0.00 % → 5.31 %  (+5.31 pt)`, grown first.
    public static func rows(_ c: ProfileComparison) -> [(direction: String, delta: FunctionDelta)] {
        c.grown.map { ("grew", $0) } + c.shrunk.map { ("shrank", $0) }
    }

    /// Terminal lines (also the Markdown list items, unescaped).
    public static func lines(_ c: ProfileComparison) -> [String] {
        guard !c.isEmpty else { return ["\(title(c)): no kernel function changed beyond the profile's resolution"] }
        return [heading(c)] + rows(c).map { dir, d in
            "  \(dir) \(d.function)  \(percent(d.baseShare)) → \(percent(d.candidateShare))  (\(points(d.delta)))"
        }
    }

    /// A symbol inside a Markdown code span, where escapes are literal: only the
    /// characters of a C symbol (System.map names; `.` from `.isra.0`, `.constprop.0`).
    static func codeSpan(_ name: String) -> String {
        String(name.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || "_.$".unicodeScalars.contains($0) }
            .prefix(200).map(Character.init))
    }

    /// The Markdown section (empty when there is no profile).
    public static func markdown(_ profiles: [ProfileComparison]?, escape md: (String) -> String) -> [String] {
        guard let profiles, !profiles.isEmpty else { return [] }
        var out = ["", "Where the cycles went (guest kernel profile, base → candidate):"]
        for c in profiles {
            if c.isEmpty { out.append("- \(md(lines(c)[0]))"); continue }
            out.append("")
            out.append(md(heading(c)) + ":")
            out.append("")
            out.append("| | function | base | candidate | delta |")
            out.append("| --- | --- | ---: | ---: | ---: |")
            for (dir, d) in rows(c) {
                out.append("| \(dir) | `\(codeSpan(d.function))` | \(percent(d.baseShare)) | \(percent(d.candidateShare)) | \(points(d.delta)) |")
            }
        }
        return out
    }

    /// The HTML section (empty when there is no profile).
    public static func html(_ profiles: [ProfileComparison]?, escape h: (String) -> String) -> [String] {
        guard let profiles, !profiles.isEmpty else { return [] }
        var out = ["<h2>Where the cycles went</h2>"]
        for c in profiles {
            if c.isEmpty { out.append("<p>\(h(lines(c)[0]))</p>"); continue }
            out.append("<p>\(h(heading(c)))</p><table class=\"grid profile\">")
            out.append("<tr><th></th><th>function</th><th>base</th><th>candidate</th><th>delta</th></tr>")
            for (dir, d) in rows(c) {
                out.append("<tr><td>\(h(dir))</td><td><code>\(h(d.function))</code></td><td>\(h(percent(d.baseShare)))</td>"
                           + "<td>\(h(percent(d.candidateShare)))</td><td>\(h(points(d.delta)))</td></tr>")
            }
            out.append("</table>")
        }
        return out
    }
}
