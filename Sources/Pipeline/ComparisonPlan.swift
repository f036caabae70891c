import Foundation
import KernelTree
import Measurement
import KGateCore
import PatchSeries
import Results

/// What a check compares and how its reports name it: the base commit, the
/// candidate commit, the subject and the commits of the run. Two forms: a
/// series applied on its base (`kgate check --series`), or a pull request's
/// head against its base (`kgate check --base REV --head REV`, no series).
/// `kgate check` and `kgate build --export` resolve both forms here, so a check
/// on one machine and a sharded one measure the same pair of commits.
public struct ComparisonPlan: Sendable {
    public var base: String
    public var candidate: String
    public var subject: String?
    public var patchsetHash: String?
    public var commits: [RunCommit]

    /// The pull-request form: `head` is the candidate as committed (its tree),
    /// `base` the request's base (default: the tree's HEAD). The reports name
    /// the head commit where they name a series otherwise.
    public static func pullRequest(_ repository: KernelRepository, base: String?, head: String,
                                   console: Console) throws -> ComparisonPlan {
        let baseRev = try resolve(repository, base ?? "HEAD", what: "--base")
        let headRev = try resolve(repository, head, what: "--head")
        let b = try repository.commit(baseRev), h = try repository.commit(headRev)
        console.line("pull request: base \(short(baseRev)) '\(b.subject)', head \(short(headRev)) '\(h.subject)'")
        return ComparisonPlan(
            base: baseRev, candidate: headRev, subject: h.subject, patchsetHash: nil,
            commits: [RunCommit(role: "base", commit: baseRev, subject: b.subject, author: b.authorName),
                      RunCommit(role: "candidate", commit: headRev, subject: h.subject, author: h.authorName)])
    }

    /// A series' base: `--base` when given; else its `base-commit:` when the
    /// tree has that commit; else the tree's HEAD. Says which and why in one line.
    public static func seriesBase(_ series: Series, explicit: String?, repository: KernelRepository,
                                  console: Console) throws -> String {
        let tree = repository.info.name
        if let explicit {
            let rev = try resolve(repository, explicit, what: "--base")
            console.line("base: \(short(rev)) (--base \(explicit))")
            return rev
        }
        if let named = series.baseCommit {
            do {
                let rev = try repository.resolve(named)
                console.line("base: \(short(rev)) (the series' base-commit, found in tree \(tree))")
                return rev
            } catch let error as KGateError where error.blame == .input {
                let head = try resolve(repository, "HEAD", what: "the tree's HEAD")
                console.line("base: \(short(head)), the HEAD of tree \(tree) (the series' base-commit "
                             + "\(named.prefix(12)) is not in this tree; pass --base REV to choose)")
                return head
            }
        }
        let head = try resolve(repository, "HEAD", what: "the tree's HEAD")
        console.line("base: \(short(head)), the HEAD of tree \(tree) (the series names no base-commit)")
        return head
    }

    /// The series form's commits: base, each patch, candidate.
    static func seriesCommits(_ repository: KernelRepository, base: String, series: Series,
                              candidate: String) throws -> [RunCommit] {
        let baseInfo = try repository.commit(base)
        var out = [RunCommit(role: "base", commit: base, subject: baseInfo.subject, author: baseInfo.authorName)]
        for p in series.patches {
            out.append(RunCommit(role: "patch", commit: "", subject: "[\(p.index)/\(p.total)] \(p.subject)",
                                 author: "\(p.author.name) <\(p.author.email)>"))
        }
        out.append(RunCommit(role: "candidate", commit: candidate, subject: series.patches.last?.subject ?? "", author: ""))
        return out
    }

    /// A revision of the tree; a name that does not resolve is the user's (64),
    /// a libgit2 failure stays the host's (4).
    static func resolve(_ repository: KernelRepository, _ rev: String, what: String) throws -> String {
        do {
            return try repository.resolve(rev)
        } catch let error as KGateError where error.blame == .input {
            throw KGateError.usage("\(what) '\(rev)' is not in tree \(repository.info.name)", location: repository.info.path,
                                   fix: "pass a revision the tree has (fetch it first: a shallow clone may lack it)",
                                   cause: error)
        }
    }
}
