import Foundation

/// Which mail fills each `i/n` slot of the revision being assembled.
///
/// A mail's label is what its own subject says: revision (`vN`, else 1) and
/// `i/n`. Two mails compete for a slot only when the whole label matches:
/// `[PATCH 1/2]` is never another posting of `[PATCH v2 1/3]` (another
/// revision), nor `[PATCH v2 1/2]` of `[PATCH v2 1/3]` (another posting of
/// the revision, with another total). Of two mails with one label the later
/// posting wins and the other is named as a duplicate.
extension SeriesAssembler {
    struct Slots {
        /// Counter → index of the candidate in that slot.
        var byCounter: [Int: Int] = [:]
        /// The series length: the posting's `n`, or its highest counter when that is larger.
        var total = 0
        var missing: [Int] { total >= 1 ? (1...total).filter { byCounter[$0] == nil } : [] }
        var present: [Int] { byCounter.keys.filter { $0 >= 1 && $0 <= total }.sorted() }
    }

    /// One posting (one revision and total) placed by counter, before the choice between postings.
    struct Posting {
        var slots = Slots()
        /// `n` as labelled; nil for patches without a counter.
        var labelledTotal: Int?
        var members: [Int] = []
        /// Mails a later posting of their label replaced, with the one kept.
        var duplicates: [(lost: Int, kept: Int)] = []
        /// The latest mail of the posting.
        var latest: Int?
        var isComplete: Bool { slots.total >= 1 && slots.missing.isEmpty }
    }

    /// The slots of revision `revision` from its patch mails `chosen`. Counter-less
    /// patches are one posting in input order (a resend repeats its subject);
    /// numbered ones form one posting per labelled total, and the series is the
    /// complete one, else the most recent (another total is dropped, never merged).
    static func placeSlots(_ chosen: [Int], _ all: [Candidate], revision: Int, drop: Drop) -> Slots {
        if chosen.allSatisfy({ all[$0].info.counter == nil }) {
            var keyBySubject: [String: Int] = [:]
            let posting = place(chosen, all, labelledTotal: nil) { k in
                let subject = all[k].info.subject.lowercased()
                if let key = keyBySubject[subject] { return key }
                keyBySubject[subject] = keyBySubject.count + 1
                return keyBySubject.count
            }
            report(posting, all, drop: drop)
            return posting.slots
        }
        var byTotal: [Int: [Int]] = [:]
        for k in chosen {
            guard let counter = all[k].info.counter, counter >= 1, let n = all[k].info.labelledTotal else {
                drop(k, .unrelated, "no i/n counter, but the other v\(revision) patches have one")
                continue
            }
            byTotal[n, default: []].append(k)
        }
        let postings = byTotal.sorted { $0.key < $1.key }.map { n, members in
            place(members, all, labelledTotal: n) { all[$0].info.counter ?? 0 }
        }
        guard let best = postings.max(by: { isBetter($1, than: $0, all) }) else { return Slots() }
        for other in postings where other.labelledTotal != best.labelledTotal {
            for k in other.members {
                drop(k, .otherTotal, "\(all[k].label) belongs to a v\(revision) posting of \(other.labelledTotal ?? 0) patches; "
                     + "the series is the one of \(best.labelledTotal ?? 0)\(best.isComplete ? "" : ", posted later") "
                     + "(another total is never a duplicate)")
            }
        }
        report(best, all, drop: drop)
        return best.slots
    }

    /// A posting's mails by `key` (the counter); per slot the later posting wins.
    static func place(_ members: [Int], _ all: [Candidate], labelledTotal: Int?, key: (Int) -> Int) -> Posting {
        var posting = Posting(labelledTotal: labelledTotal, members: members)
        var bySlot: [Int: [Int]] = [:]
        for k in members {
            bySlot[key(k), default: []].append(k)
            if posting.latest.map({ all[k].isLater(than: all[$0]) }) ?? true { posting.latest = k }
        }
        for (slot, ks) in bySlot {
            guard let kept = ks.max(by: { all[$1].isLater(than: all[$0]) }) else { continue }
            posting.slots.byCounter[slot] = kept
            for lost in ks where lost != kept { posting.duplicates.append((lost, kept)) }
            posting.slots.total = max(posting.slots.total, all[kept].info.expected ?? slot, slot)
        }
        posting.duplicates.sort { all[$0.lost].order < all[$1.lost].order }
        return posting
    }

    /// A complete posting beats an incomplete one; then the later; then the longer.
    static func isBetter(_ a: Posting, than b: Posting, _ all: [Candidate]) -> Bool {
        if a.isComplete != b.isComplete { return a.isComplete }
        if let la = a.latest, let lb = b.latest, la != lb { return all[la].isLater(than: all[lb]) }
        return (a.labelledTotal ?? 0) > (b.labelledTotal ?? 0)
    }

    static func report(_ posting: Posting, _ all: [Candidate], drop: Drop) {
        for (lost, kept) in posting.duplicates {
            let what = all[lost].info.counter == nil ? "\(all[lost].label) '\(all[lost].info.subject)'" : all[lost].label
            drop(lost, .duplicate, "another posting of \(what); the later one, <\(all[kept].mail.messageID ?? "?")>"
                 + " '\(all[kept].mail.subject)', is used")
        }
    }
}
