import Foundation

/// What a patch subject says, parsed the way b4 does:
/// `Re: [RFC PATCH net-next v3 02/10] tcp: foo`.
public struct SubjectInfo: Sendable, Equatable {
    public var isReply = false
    /// "PATCH" appeared in a bracket.
    public var isPatch = false
    public var isRFC = false
    public var isResend = false
    /// `vN`, 1 when absent: a mail's revision is what its own subject says,
    /// never what the thread around it says.
    public var revision = 1
    /// The subject named the revision (`vN`).
    public var hasRevision = false
    /// `[GIT PULL]`, `[PULL]`: a pull request, not a patch.
    public var isPullRequest = false
    /// `i/n`; nil when the subject has no counter (a lone `[PATCH]`).
    public var counter: Int?
    /// The series length: `n` of `i/n`, or `i` when `i > n` (`[PATCH 6/5]` is 6/6, as b4 counts).
    public var expected: Int?
    /// `n` as written: the posting a patch belongs to (`1/2` and `1/3` are two postings).
    public var labelledTotal: Int?
    /// Other bracket words: the tree ("net-next"), list tags.
    public var prefixes: [String] = []
    /// The subject without `Re:` and bracket prefixes.
    public var subject = ""

    public static func parse(_ raw: String) -> SubjectInfo {
        var info = SubjectInfo()
        var rest = Substring(MailMessage.collapse(raw))
        var progressed = true
        while progressed {
            progressed = false
            rest = rest.drop(while: { $0 == " " })
            for prefix in ["re:", "aw:", "fwd:", "fw:"] where rest.lowercased().hasPrefix(prefix) {
                info.isReply = true
                rest = rest.dropFirst(prefix.count)
                progressed = true
            }
            if rest.first == "[", let close = rest.firstIndex(of: "]") {
                info.absorb(bracket: rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
                progressed = true
            }
        }
        // `[PATCH 2/2]: subject` loses the ": " as git mailinfo's cleanup_subject does.
        info.subject = String(rest.drop { $0 == " " || $0 == ":" || $0 == "\t" }).trimmingCharacters(in: .whitespaces)
        return info
    }

    private mutating func absorb(bracket: Substring) {
        let tokens = bracket.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" })
        var k = 0
        while k < tokens.count {
            let token = tokens[k]
            let lower = token.lowercased()
            k += 1
            if lower == "patch" {
                isPatch = true
            } else if lower.hasPrefix("patch"), let v = SubjectInfo.version(lower.dropFirst(5).drop { $0 == "-" }) {
                isPatch = true; revision = v; hasRevision = true
            } else if lower == "rfc" {
                isRFC = true
            } else if lower == "resend" {
                isResend = true
            } else if lower == "pull" || (lower == "git" && k < tokens.count && tokens[k].lowercased() == "pull") {
                isPullRequest = true
                if lower == "git" { k += 1 }
            } else if let v = SubjectInfo.version(Substring(lower)) {
                revision = v; hasRevision = true
            } else if let slash = lower.firstIndex(of: "/"),
                      let i = Int(lower[..<slash]), let n = Int(lower[lower.index(after: slash)...]) {
                setCounter(i, n)
            } else if let i = Int(lower), k + 1 < tokens.count, tokens[k].lowercased() == "of", let n = Int(tokens[k + 1]) {
                // `[PATCH 0 of 2]` (Mercurial's patchbomb): the counter words are not prefixes.
                setCounter(i, n)
                k += 2
            } else {
                prefixes.append(String(token))
            }
        }
    }

    private mutating func setCounter(_ i: Int, _ n: Int) {
        guard i >= 0, i <= 10_000, n >= 1, n <= 10_000 else { return }
        counter = i
        labelledTotal = n
        expected = max(n, i) // [PATCH 6/5] counts as 6/6, as b4 does
    }

    private static func version(_ token: Substring) -> Int? {
        guard token.first == "v", token.count >= 2, let v = Int(token.dropFirst()), v >= 1, v < 1000 else { return nil }
        return v
    }
}
