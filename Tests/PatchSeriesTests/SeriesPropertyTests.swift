import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

/// Issue 31's property over generated threads (ThreadGenerator, seeded): the
/// series of revision N holds only mails labelled N, or carried from N-1 by a
/// partial re-roll that the report names; in counter order; never a mail of
/// another total; for each slot the later posting of its label; reviews only
/// on the patch they answer (or all, for the series' cover letter).
@Suite("series assembly: generated threads", .tags(.unit))
struct SeriesPropertyTests {
    static let seed: UInt64 = 31
    static let cases = 400

    struct Tally { var assembled = 0, incomplete = 0, noPatch = 0, carried = 0, duplicates = 0, otherTotals = 0, olderRevisions = 0, reviewsApplied = 0 }

    @Test func assembledSeriesHoldOnlyTheirOwnRevisionAndTotal() throws {
        var rng = SeededGenerator(seed: Self.seed)
        var tally = Tally()
        let start = ContinuousClock.now
        for n in 0..<Self.cases {
            let mails = ThreadGenerator.thread(&rng)
            try check(mails, case: n, tally: &tally)
        }
        let elapsed = ContinuousClock.now - start
        print("series property: \(Self.cases) threads (seed \(Self.seed)) in \(elapsed): \(tally)")
        // The generator reaches every rule, so the property is not checked on easy threads only.
        #expect(tally.assembled >= Self.cases / 3 && tally.incomplete > 0)
        #expect(tally.carried > 0 && tally.duplicates > 0 && tally.otherTotals > 0 && tally.olderRevisions > 0 && tally.reviewsApplied > 0)
    }

    func check(_ mails: [GeneratedMail], case n: Int, tally: inout Tally) throws {
        guard !mails.isEmpty else { tally.noPatch += 1; return }
        let messages = try SeriesLoader().parse(ThreadGenerator.mbox(mails), origin: "case \(n)")
        let context = "case \(n) (seed \(Self.seed)): " + mails.map { "\($0.subject) <\($0.id)>" }.joined(separator: " | ")
        let patches = mails.filter { if case .patch = $0.kind { return true } else { return false } }
        let top = patches.compactMap(\.revision).max() ?? 1
        let series: Series
        do {
            series = try SeriesAssembler.assemble(messages, source: "gen")
        } catch let error as KGateError where patches.isEmpty {
            #expect(error.what.hasPrefix("the input is not a patch series: no message has a diff"), "\(error.what) — \(context)")
            tally.noPatch += 1
            return
        } catch let error as KGateError {
            #expect(error.blame == .kernelUnderTest && error.what.hasPrefix("series v\(top) is incomplete"), "\(error.what) — \(context)")
            #expect(!hasCompletePosting(patches.filter { $0.revision == top }), "a complete v\(top) posting failed — \(context)")
            tally.incomplete += 1
            return
        }
        tally.assembled += 1
        #expect(SeriesInvariants.violations(of: series, in: messages) == [], "\(context)")
        #expect(series.version == top, "\(context)")
        let byID = Dictionary(uniqueKeysWithValues: mails.map { ($0.id, $0) })
        let carried = Set(series.report.carried.compactMap(\.messageID))
        tally.carried += carried.count
        for patch in series.patches {
            guard let id = patch.messageID, let mail = byID[id] else { Issue.record("unknown patch — \(context)"); continue }
            // The later posting of its label: the newer Date, then the later in the mbox.
            let rivals = patches.filter { $0.kind == mail.kind }
            let latest = rivals.max { ($0.second, $0.order) < ($1.second, $1.order) }
            #expect(latest?.id == id, "\(id) is not the latest posting of its label — \(context)")
        }
        tally.duplicates += series.report.dropped.filter { $0.reason == .duplicate }.count
        tally.otherTotals += series.report.dropped.filter { $0.reason == .otherTotal }.count
        tally.olderRevisions += series.report.dropped.filter { $0.reason == .olderRevision }.count
        for review in mails {
            guard case .review(let target, let reviewer) = review.kind else { continue }
            let holders = series.patches.filter { $0.trailers.contains { $0.value.contains(reviewer) } }.compactMap(\.messageID)
            let expected: [String] = target == series.coverMessageID ? series.patches.compactMap(\.messageID)
                : series.patches.compactMap(\.messageID).filter { $0 == target }
            #expect(holders == expected, "review <\(review.id)> of <\(target)> reached \(holders) — \(context)")
            if !holders.isEmpty { tally.reviewsApplied += 1 }
        }
    }

    /// Some labelled total of these mails has every counter 1...n.
    func hasCompletePosting(_ mails: [GeneratedMail]) -> Bool {
        var counters: [Int: Set<Int>] = [:]
        var loneCount = 0
        for m in mails {
            guard case .patch(_, let c, let n) = m.kind else { continue }
            if let c, let n { counters[n, default: []].insert(c) } else { loneCount += 1 }
        }
        if counters.isEmpty { return loneCount > 0 }
        return counters.contains { n, got in got == Set(1...n) }
    }

    /// The generator is deterministic: one seed, one thread.
    @Test func generatorRepeatsFromItsSeed() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        let x = ThreadGenerator.thread(&a), y = ThreadGenerator.thread(&b)
        #expect(x.map(\.text) == y.map(\.text))
    }
}
