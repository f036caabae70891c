import Foundation
import KGateCore
import Synchronization

/// Wall time per pipeline stage (apply, builds, image, boots, trials,
/// analysis), for the breakdown printed at the end of a run and stored with it.
public final class StageClock: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public var stage: String
        public var seconds: Double
    }

    private let entries = Mutex<[Entry]>([])
    private let console: Console
    private let started = Date()

    public init(console: Console = .shared) { self.console = console }

    /// Times `body` under `stage`; repeated stages add up ("boots" over many boots).
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer { add(stage, Date().timeIntervalSince(start)) }
        return try body()
    }

    public func add(_ stage: String, _ seconds: Double) {
        entries.withLock { entries in
            if let i = entries.firstIndex(where: { $0.stage == stage }) {
                entries[i].seconds += seconds
            } else {
                entries.append(Entry(stage: stage, seconds: seconds))
            }
        }
    }

    public var breakdown: [Entry] {
        entries.withLock { $0 }
    }

    public var total: Double { Date().timeIntervalSince(started) }

    /// "stage breakdown: apply 0.4 s, build base 131.0 s, … total 212.3 s".
    public func summary() -> String {
        let parts = breakdown.map { String(format: "%@ %.1f s", $0.stage, $0.seconds) }
        return "stage breakdown: " + parts.joined(separator: ", ") + String(format: "; total %.1f s", total)
    }
}
