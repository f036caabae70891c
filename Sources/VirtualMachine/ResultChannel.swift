import Foundation
import KGateCore

/// Decodes the result channel (vm-images/PROTOCOL.md, "The result channel").
/// Guest output is untrusted: the channel and each blob are bounded, names
/// are validated, malformed records are dropped and counted.
public enum ResultChannel {
    public static let channelLimit = 64 << 20
    public static let blobLimit = 16 << 20

    public struct Decoded: Sendable, Equatable {
        public var blobs: [GuestBlob] = []
        public var done: Int32?
        /// What was rejected ("invalid name", "blob over 16 MiB", …), at most a few.
        public var problems: [String] = []
        public var truncated = false
    }

    public static func isValidName(_ name: Substring) -> Bool {
        guard (1...128).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d
        }
    }

    public static func read(_ url: URL) -> Decoded {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return Decoded() }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: channelLimit + 1)) ?? Data()
        var decoded = decode(data.prefix(channelLimit))
        if data.count > channelLimit { decoded.truncated = true; decoded.problems.append("channel over 64 MiB: truncated") }
        return decoded
    }

    public static func decode(_ data: Data) -> Decoded {
        var out = Decoded()
        func problem(_ p: String) { if out.problems.count < 20 { out.problems.append(p) } }
        // The open record: its name (nil: none), whether it is accepted, its base64 text.
        var name: String?
        var valid = false
        var base64: [UInt8] = []
        let maxEncoded = blobLimit / 3 * 4 + 4
        for rawLine in data.split(separator: 0x0a, omittingEmptySubsequences: false) {
            var line = rawLine
            while line.last == 0x0d { line = line.dropLast() }
            if line.starts(with: Array("@@KGATE ".utf8)) {
                let words = String(decoding: line, as: UTF8.self).split(separator: " ")
                switch (words.count > 1 ? words[1] : "", words.count) {
                case ("BEGIN", 3):
                    if let name { problem("blob \(name) has no END") }
                    valid = isValidName(words[2])
                    if !valid { problem("invalid blob name rejected") }
                    name = valid ? String(words[2]) : ""
                    base64 = []
                    continue
                case ("END", 4):
                    guard let open = name else { problem("END without BEGIN"); continue }
                    name = nil
                    guard valid else { continue }
                    guard open == words[2] else { problem("END \(words[2].prefix(128)) does not match BEGIN \(open)"); continue }
                    guard let rc = Int32(words[3]) else { problem("blob \(open): bad status"); continue }
                    guard base64.count <= maxEncoded else { problem("blob \(open) over 16 MiB: dropped"); continue }
                    guard let blob = Data(base64Encoded: Data(base64)), blob.count <= blobLimit else {
                        problem("blob \(open): invalid base64"); continue
                    }
                    out.blobs.append(GuestBlob(name: open, data: blob, exitCode: rc))
                    continue
                case ("DONE", 3):
                    if let rc = Int32(words[2]) { out.done = rc } else { problem("bad DONE status") }
                    continue
                default:
                    break
                }
            }
            if name != nil {
                if valid && base64.count <= maxEncoded { base64.append(contentsOf: line) }
            } else if !line.isEmpty {
                problem("stray line outside a record")
            }
        }
        if let name { problem("blob \(name) has no END") }
        return out
    }
}
