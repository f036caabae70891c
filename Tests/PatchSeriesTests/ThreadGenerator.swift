import Foundation

/// SplitMix64: a seeded generator, so a failing thread is made again from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One mail of a generated thread and what its subject labels.
struct GeneratedMail {
    enum Kind: Equatable {
        /// `counter` nil: a lone `[PATCH vN]` without i/n.
        case patch(revision: Int, counter: Int?, total: Int?)
        case cover(revision: Int, total: Int)
        /// A reply to `id` with `Reviewed-by: <reviewer>`.
        case review(of: String, reviewer: String)
    }

    var id: String
    var kind: Kind
    var subject: String
    /// Seconds after the thread's epoch; equal seconds happen on purpose.
    var second: Int
    var inReplyTo: String?
    /// Position in the mbox.
    var order = 0

    var revision: Int? {
        switch kind {
        case .patch(let r, _, _), .cover(let r, _): r
        case .review: nil
        }
    }

    var text: String {
        let date = "\(3 + second / 86_400) Jun 2024 \(String(format: "%02d:%02d:%02d", second % 86_400 / 3600, second % 3600 / 60, second % 60)) +0000"
        var head = "From \(id) Mon Sep 17 00:00:00 2001\nFrom: Ann Dev <ann@example.org>\nDate: \(date)\n"
            + "Subject: \(subject)\nMessage-ID: <\(id)>\n"
        if let parent = inReplyTo { head += "In-Reply-To: <\(parent)>\nReferences: <\(parent)>\n" }
        switch kind {
        case .patch:
            let file = "gen/\(id.prefix { $0 != "@" }).c"
            return head + "\nPatch \(id).\n\nSigned-off-by: Ann Dev <ann@example.org>\n---\n"
                + "diff --git a/\(file) b/\(file)\n--- a/\(file)\n+++ b/\(file)\n@@ -1 +1 @@\n-old\n+\(id)\n-- \n2.45.2\n\n"
        case .cover(_, let n):
            return head + "\nCover.\n\n \(n) files changed, \(n) insertions(+), \(n) deletions(-)\n\n"
        case .review(_, let reviewer):
            return head.replacingOccurrences(of: "From: Ann Dev <ann@example.org>", with: "From: Rev <\(reviewer)>")
                + "\n> Patch.\n\nReviewed-by: Rev <\(reviewer)>\n\n"
        }
    }
}

/// Threads as lists carry them, at random: one to four postings of random
/// revisions (v1 often unversioned) and totals, or re-rolls of the posting
/// before (next revision, same total), some with a cover letter, some patches
/// missing, answering the cover, their 1/n, or an older patch of the same i/n
/// (a partial re-roll's shape), some posted twice with one label,
/// reviews of random patches and covers, all in a random mbox order.
enum ThreadGenerator {
    static func thread(_ rng: inout SeededGenerator) -> [GeneratedMail] {
        var mails: [GeneratedMail] = []
        var serial = 0
        func nextID(_ tag: String) -> String { serial += 1; return "\(tag)\(serial)@gen" }
        var previous: (revision: Int, total: Int)?
        for posting in 0..<Int.random(in: 1...4, using: &rng) {
            // A re-roll of the posting before: the next revision, the same total, fewer patches, each answering its counterpart.
            let reroll = previous.flatMap { Int.random(in: 0..<100, using: &rng) < 35 ? $0 : nil }
            let revision = reroll.map { $0.revision + 1 } ?? Int.random(in: 1...4, using: &rng)
            let unversioned = revision == 1 && Bool.random(using: &rng)
            let version = unversioned ? "" : " v\(revision)"
            let base = posting * 86_400 / 2 + Int.random(in: 0...600, using: &rng)
            if Int.random(in: 0..<10, using: &rng) == 0 {
                // A lone patch without i/n, sometimes resent with the same subject.
                for copy in 0..<Int.random(in: 1...2, using: &rng) {
                    mails.append(GeneratedMail(id: nextID("lone"), kind: .patch(revision: revision, counter: nil, total: nil),
                                               subject: "[PATCH\(copy == 1 ? " RESEND" : "")\(version)] gen: lone fix",
                                               second: base + copy * 60))
                }
                continue
            }
            let total = reroll?.total ?? Int.random(in: 1...4, using: &rng)
            previous = (revision, total)
            var coverID: String?
            if Bool.random(using: &rng) {
                let id = nextID("c")
                coverID = id
                mails.append(GeneratedMail(id: id, kind: .cover(revision: revision, total: total),
                                           subject: "[PATCH\(version) 0/\(total)] gen: series", second: base))
            }
            var firstID: String?
            for counter in 1...total where Int.random(in: 0..<100, using: &rng) < (reroll == nil ? 85 : 50) {
                let older = mails.filter {
                    if case .patch(let r, let c, let n) = $0.kind { return r < revision && c == counter && n == total }
                    return false
                }
                var parent = coverID ?? firstID
                if !older.isEmpty, Int.random(in: 0..<100, using: &rng) < (reroll == nil ? 40 : 90) {
                    parent = older.randomElement(using: &rng)?.id
                }
                for copy in 0..<(Int.random(in: 0..<100, using: &rng) < 15 ? 2 : 1) {
                    let id = nextID("p")
                    let second = base + (Int.random(in: 0..<4, using: &rng) == 0 ? 0 : Int.random(in: 1...900, using: &rng))
                    mails.append(GeneratedMail(id: id, kind: .patch(revision: revision, counter: counter, total: total),
                                               subject: "[\(copy == 1 ? "RESEND " : "")PATCH\(version) \(counter)/\(total)] gen: part \(counter)",
                                               second: second, inReplyTo: parent))
                    if counter == 1, firstID == nil { firstID = id }
                }
            }
        }
        let targets = mails.filter { if case .review = $0.kind { return false } else { return true } }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            guard let target = targets.randomElement(using: &rng) else { break }
            let id = nextID("r")
            mails.append(GeneratedMail(id: id, kind: .review(of: target.id, reviewer: "rev-\(id.prefix { $0 != "@" })@example.com"),
                                       subject: "Re: \(target.subject)", second: target.second + 3600, inReplyTo: target.id))
        }
        mails.shuffle(using: &rng)
        for k in mails.indices { mails[k].order = k }
        return mails
    }

    static func mbox(_ mails: [GeneratedMail]) -> Data { Data(mails.map(\.text).joined().utf8) }
}
