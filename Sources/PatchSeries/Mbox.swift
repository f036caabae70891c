import Foundation
import KGateCore

/// How `From ` lines inside bodies were escaped.
public enum MboxFormat: String, Sendable, CaseIterable {
    /// `>From ` → `From ` (one level only; `>>From ` stays).
    case mboxo
    /// One `>` is removed from any `>+From ` line (public-inbox/lore, `git format-patch --pretty=mboxrd`).
    case mboxrd
}

/// Splits an mbox (or a single message) into message byte ranges.
public enum Mbox {
    /// Messages in `data`. Separators are `From ` lines that look like git
    /// mailsplit's: `From <addr> <date with HH:MM>`. Data that does not start
    /// with `From ` is one message (a .eml / .patch mail). CRLF becomes LF.
    public static func split(_ data: Data, format: MboxFormat, maxMessages: Int = 10_000,
                             origin: String) throws -> [ArraySlice<UInt8>] {
        var bytes = MailMessage.stripCR([UInt8](data))
        var start = 0
        // Leading blank lines are not content.
        while start < bytes.count, bytes[start] == 0x0a { start += 1 }
        bytes.removeFirst(start)
        guard !bytes.isEmpty else {
            throw KGateError.usage("\(origin) is empty", location: origin, fix: "pass an mbox, a .patch mail or a format-patch directory")
        }
        let isMbox = bytes.starts(with: Array("From ".utf8))
        var messages: [[UInt8]] = []
        var current: [UInt8] = []
        var pos = 0
        var first = true
        while pos < bytes.count {
            let end = bytes[pos...].firstIndex(of: 0x0a) ?? bytes.count
            let line = bytes[pos..<end]
            let next = min(end + 1, bytes.count)
            if isMbox && isFromLine(line) {
                if !first {
                    if current.last == 0x0a, current.dropLast().last == 0x0a { current.removeLast() }
                    messages.append(current)
                    if messages.count > maxMessages {
                        throw KGateError.usage("\(origin) has more than \(maxMessages) messages", location: origin,
                                               fix: "split the mbox or fetch only the series' thread")
                    }
                }
                first = false
                current = []
            } else {
                current.append(contentsOf: isMbox ? unescape(line, format: format) : line)
                if end < bytes.count { current.append(0x0a) }
            }
            pos = next
        }
        messages.append(current)
        if messages.count > maxMessages {
            throw KGateError.usage("\(origin) has more than \(maxMessages) messages", location: origin,
                                   fix: "pass the series' own thread, not a whole list archive")
        }
        return messages.filter { !$0.allSatisfy { $0 == 0x0a } }.map { $0[...] }
    }

    /// `From <something> <weekday?> <month> <day> HH:MM[:SS] <year>`: a token
    /// after "From " and an HH:MM time, as git's mailsplit requires.
    static func isFromLine(_ line: ArraySlice<UInt8>) -> Bool {
        guard line.starts(with: Array("From ".utf8)), line.count < 1000 else { return false }
        let text = String(decoding: line, as: UTF8.self)
        let fields = text.split(separator: " ")
        guard fields.count >= 3 else { return false }
        return fields.dropFirst(2).contains { field in
            let parts = field.split(separator: ":", omittingEmptySubsequences: false)
            return (parts.count == 2 || parts.count == 3) && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isNumber) }
        }
    }

    static func unescape(_ line: ArraySlice<UInt8>, format: MboxFormat) -> ArraySlice<UInt8> {
        guard line.first == UInt8(ascii: ">") else { return line }
        let rest = line.drop { $0 == UInt8(ascii: ">") }
        guard rest.starts(with: Array("From ".utf8)) else { return line }
        switch format {
        case .mboxrd: return line.dropFirst()
        case .mboxo: return line.count - rest.count == 1 ? line.dropFirst() : line
        }
    }
}
