import Foundation

/// What an assembled series promises about the mails it was made from, checked
/// by the property tests (SeriesPropertyTests) and the fuzz target
/// (benchmarks/fuzz/FuzzSeries.swift):
/// - each patch is a mail whose own subject labels the series' revision, or one
///   the report names as carried from the revision before (partial re-roll);
/// - patches are in counter order, each at its own counter, `1...n`;
/// - every numbered patch is labelled with one total: never a mail of another;
/// - every other patch mail of the input is named in the report as dropped.
/// Mails are matched by Message-ID; one without a unique id cannot be told
/// apart from another and is not checked.
public enum SeriesInvariants {
    public static func violations(of series: Series, in messages: [MailMessage]) -> [String] {
        var problems: [String] = []
        var count: [String: Int] = [:]
        for m in messages { if let id = m.messageID { count[id, default: 0] += 1 } }
        var byID: [String: SeriesAssembler.Candidate] = [:]
        for (k, m) in messages.enumerated() {
            if let id = m.messageID, count[id] == 1 { byID[id] = SeriesAssembler.Candidate(mail: m, order: k) }
        }
        let carried = Set(series.report.carried.compactMap(\.messageID))
        var totals = Set<Int>()
        for (k, patch) in series.patches.enumerated() {
            if patch.index != k + 1 || patch.total != series.patches.count {
                problems.append("patch \(k + 1) of \(series.patches.count) is labelled \(patch.index)/\(patch.total)")
            }
            guard let id = patch.messageID, let c = byID[id] else { continue }
            let expected = carried.contains(id) ? series.version - 1 : series.version
            if c.info.revision != expected {
                problems.append("<\(id)> is \(c.label) in a v\(series.version) series"
                                + (carried.contains(id) ? " (carried, so it must be v\(expected))" : ""))
            }
            if let counter = c.info.counter {
                if counter != patch.index { problems.append("<\(id)> is \(c.label) at slot \(patch.index)") }
                if let n = c.info.labelledTotal { totals.insert(n) }
            }
        }
        if totals.count > 1 {
            problems.append("patches of \(totals.count) totals (\(totals.sorted().map(String.init).joined(separator: ", "))) in one series")
        }
        let used = Set(series.patches.compactMap(\.messageID))
        let dropped = Set(series.report.dropped.compactMap(\.messageID))
        for (id, c) in byID where c.isPatch && !used.contains(id) && !dropped.contains(id) {
            problems.append("<\(id)> (\(c.label)) is neither in the series nor named as dropped")
        }
        return problems.sorted()
    }
}
