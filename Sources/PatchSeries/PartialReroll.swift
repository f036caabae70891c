import Foundation

/// b4's partial re-roll: a revision N that re-posts only some patches, each in
/// reply (directly or up the thread) to the N-1 patch with the same `i/n`, is
/// completed from N-1. The patches carried over are named in the report
/// (`SeriesReport.carried`); replies to the N-1 patches that N re-posts
/// reviewed other code and give the new patch nothing (FollowUps).
extension SeriesAssembler {
    struct Reroll {
        /// Counter → the N-1 candidate that fills it.
        var carried: [Int: Int]
        /// Message-id of an N-1 patch that N re-posts → its counter.
        var replaced: [String: Int]
    }

    /// Returns nil when the revision does not qualify (revision 1, a patch not
    /// answering its N-1 counterpart, no N-1 patch of the same total for a missing slot).
    static func partialReroll(_ slots: Slots, revision: Int, all: [Candidate], byID: [String: Int],
                              patchIdx: [Int]) -> Reroll? {
        guard revision > 1 else { return nil }
        var replaced: [String: Int] = [:]
        var labelledTotal: Int?
        for (counter, k) in slots.byCounter {
            guard let old = answeredCounterpart(of: k, all: all, byID: byID, revision: revision) else { return nil }
            if let id = all[old].mail.messageID { replaced[id] = counter }
            labelledTotal = all[k].info.labelledTotal
        }
        // N-1 as labelled, same total: a mail of another revision or total never fills a slot.
        let previous = patchIdx.filter {
            all[$0].info.revision == revision - 1 && all[$0].info.counter != nil && all[$0].info.labelledTotal == labelledTotal
        }
        let prev = place(previous, all, labelledTotal: labelledTotal) { all[$0].info.counter ?? 0 }
        var carried: [Int: Int] = [:]
        for counter in slots.missing { if let k = prev.slots.byCounter[counter] { carried[counter] = k } }
        return carried.isEmpty ? nil : Reroll(carried: carried, replaced: replaced)
    }

    /// The older patch with the same `i/n` that patch `k` answers, up the thread (bounded).
    static func answeredCounterpart(of k: Int, all: [Candidate], byID: [String: Int], revision: Int) -> Int? {
        var parent = all[k].mail.inReplyTo
        var hops = 0
        while let id = parent, let p = byID[id], hops < 100 {
            hops += 1
            let c = all[p]
            if c.isPatch, c.info.revision < revision, c.info.counter == all[k].info.counter,
               c.info.labelledTotal == all[k].info.labelledTotal { return p }
            parent = c.mail.inReplyTo
        }
        return nil
    }
}
