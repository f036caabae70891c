import Foundation

/// What a patch subject says, parsed the way b4 does:
/// `Re: [RFC PATCH net-next v3 02/10] tcp: foo`.
public struct SubjectInfo: Sendable, Equatable {
    public var isReply = false
    /// "PATCH" appeared in a bracket.
    public var isPatch = false
    public var isRFC = false
    public var isResend = false
    /// `vN`, 1 when absent.
    public var revision = 1
    /// `i/n`; nil when the subject has no counter (a lone `[PATCH]`).
    public var counter: Int?
    public var expected: Int?
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
        info.subject = String(rest).trimmingCharacters(in: .whitespaces)
        return info
    }

    private mutating func absorb(bracket: Substring) {
        for token in bracket.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let lower = token.lowercased()
            if lower == "patch" {
                isPatch = true
            } else if lower.hasPrefix("patch"), let v = SubjectInfo.version(lower.dropFirst(5).drop { $0 == "-" }) {
                isPatch = true; revision = v
            } else if lower == "rfc" {
                isRFC = true
            } else if lower == "resend" {
                isResend = true
            } else if let v = SubjectInfo.version(Substring(lower)) {
                revision = v
            } else if let slash = lower.firstIndex(of: "/"),
                      let i = Int(lower[..<slash]), let n = Int(lower[lower.index(after: slash)...]),
                      i >= 0, n >= 1, n <= 10_000 {
                counter = i; expected = n
            } else {
                prefixes.append(String(token))
            }
        }
    }

    private static func version(_ token: Substring) -> Int? {
        guard token.first == "v", token.count >= 2, let v = Int(token.dropFirst()), v >= 1, v < 1000 else { return nil }
        return v
    }
}
