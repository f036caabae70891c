import Foundation

/// Where a boot's guest time went, from the guest's own clock: the init marker
/// (`kgate: init reached uptime=S`), the plan's phase marks (`kgate: phase NAME
/// uptime=S`, `kg_mark` in the generated plan) and the kernel's timestamp on
/// `kgate: done rc=N`. In deterministic mode guest time follows the guest's
/// instructions, so these figures do not depend on the host's load.
public struct GuestPhases: Sendable, Equatable, Codable {
    /// Guest seconds per phase name, summed over its occurrences (`boot` is
    /// power-on to init; each phase runs until the next mark, the last one
    /// until `done`).
    public var seconds: [String: Double]
    /// Guest seconds from power-on to `done` (or to the last mark).
    public var total: Double

    public init(seconds: [String: Double], total: Double) {
        self.seconds = seconds
        self.total = total
    }

    static let phaseMarker = "kgate: phase "
    static let doneMarker = "kgate: done rc="

    /// Parses console lines; nil when the console holds no init marker.
    public static func parse(_ lines: [String]) -> GuestPhases? {
        guard let initAt = BootClassifier.guestSecondsToInit(lines) else { return nil }
        var marks: [(name: String, at: Double)] = [("boot", 0), ("plan", initAt)]
        var done: Double?
        for line in lines {
            if let r = line.range(of: phaseMarker) {
                let words = line[r.upperBound...].split(separator: " ")
                guard words.count >= 2, words[1].hasPrefix("uptime="),
                      let at = Double(words[1].dropFirst("uptime=".count)) else { continue }
                marks.append((String(words[0].prefix(32)), at))
            } else if line.contains(doneMarker), let at = kernelTimestamp(line) {
                done = at
            }
        }
        let end = done ?? marks.last?.at ?? initAt
        var seconds: [String: Double] = [:]
        for (i, mark) in marks.enumerated() {
            let next = i + 1 < marks.count ? marks[i + 1].at : end
            seconds[mark.name, default: 0] += max(0, next - mark.at)
        }
        return GuestPhases(seconds: seconds, total: end)
    }

    /// The seconds of a `[    6.599673] …` printk prefix.
    static func kernelTimestamp(_ line: String) -> Double? {
        guard let open = line.lastIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { return nil }
        return Double(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
    }
}
