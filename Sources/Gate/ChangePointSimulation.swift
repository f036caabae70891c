import Foundation

/// Monte-Carlo rates of the change-point detector (`ChangePoints`) on simulated
/// nightly series: night k's value is 100 × (1 + cv·z_k) × (1 − step for k ≥ s).
/// `kgate gate changepoints` prints the table (docs/gate-statistics.md).
public enum ChangePointSimulation {
    public struct Scenario: Sendable, Equatable, Codable {
        public var name: String
        public var nights: Int
        public var cv: Double
        /// Relative loss from the step night on (0: flat).
        public var step: Double
        /// The nights the step may start at (drawn uniformly per series); empty when flat.
        public var stepNights: ClosedRange<Int>?

        public init(name: String, nights: Int, cv: Double, step: Double, stepNights: ClosedRange<Int>?) {
            self.name = name
            self.nights = nights
            self.cv = cv
            self.step = step
            self.stepNights = stepNights
        }
    }

    public struct Row: Sendable, Equatable, Codable {
        public var scenario: Scenario
        public var runs: Int
        /// Series with a change point within ±`tolerance` nights of the step (flat: with any change point).
        public var detected: Int
        /// Series whose change point is exactly the step night.
        public var exact: Int
        /// Mean |found − true| over detected series (nights).
        public var meanLocationError: Double
        /// Change points away from the step (beyond the tolerance), over all series.
        public var spurious: Int
        public static let tolerance = 2

        public var detectionRate: Double { Double(detected) / Double(max(runs, 1)) }
    }

    /// The scenarios of the issue: a 3 % step among 30 nights of 1 % noise (at the
    /// middle, and anywhere with 5 nights either side), and 30 flat nights.
    public static func standardScenarios(nights: Int = 30, cv: Double = 0.01, step: Double = 0.03) -> [Scenario] {
        [
            Scenario(name: "\(Int((step * 100).rounded())) % step at night \(nights / 2)", nights: nights, cv: cv,
                     step: step, stepNights: (nights / 2)...(nights / 2)),
            Scenario(name: "\(Int((step * 100).rounded())) % step at night 5…\(nights - 5)", nights: nights, cv: cv,
                     step: step, stepNights: 5...(nights - 5)),
            Scenario(name: "flat", nights: nights, cv: cv, step: 0, stepNights: nil),
        ]
    }

    public static func run(_ scenario: Scenario, runs: Int, seed: UInt64,
                           parameters: (UInt64) -> ChangePoints.Parameters = { .noisy(seed: $0) }) -> Row {
        var rng = SeededGenerator(seed: seed)
        var row = Row(scenario: scenario, runs: runs, detected: 0, exact: 0, meanLocationError: 0, spurious: 0)
        var errors = 0.0
        for _ in 0..<runs {
            let stepAt = scenario.stepNights.map { $0.lowerBound + Int(rng.next() % UInt64($0.count)) }
            let values = (0..<scenario.nights).map { k -> Double in
                let level = stepAt.map { k >= $0 ? 1 - scenario.step : 1 } ?? 1
                return 100 * level * (1 + scenario.cv * rng.normal())
            }
            let found = ChangePoints.detect(values, parameters: parameters(rng.next())).map(\.index)
            guard let stepAt else {
                if !found.isEmpty { row.detected += 1 }
                row.spurious += found.count
                continue
            }
            let near = found.filter { abs($0 - stepAt) <= Row.tolerance }
            row.spurious += found.count - near.count
            if let closest = near.min(by: { abs($0 - stepAt) < abs($1 - stepAt) }) {
                row.detected += 1
                if closest == stepAt { row.exact += 1 }
                errors += Double(abs(closest - stepAt))
            }
        }
        row.meanLocationError = row.detected > 0 ? errors / Double(row.detected) : 0
        return row
    }

    /// The Markdown table of the docs.
    public static func table(_ rows: [Row], parameters: ChangePoints.Parameters) -> String {
        func pct(_ k: Int, _ n: Int) -> String { String(format: "%.1f %%", 100 * Double(k) / Double(max(n, 1))) }
        var out = ["Method: \(parameters.summary).", "",
                   "| series | runs | detected (±\(Row.tolerance) nights; flat: false alarm) | exact night | mean location error | spurious change points per series |",
                   "| --- | --- | --- | --- | --- | --- |"]
        for r in rows {
            let flat = r.scenario.stepNights == nil
            out.append("| \(r.scenario.nights) nights, \(Int((r.scenario.cv * 100).rounded())) % noise, \(r.scenario.name) | \(r.runs) | " +
                       "\(pct(r.detected, r.runs)) | \(flat ? "—" : pct(r.exact, r.runs)) | " +
                       "\(flat ? "—" : String(format: "%.2f nights", r.meanLocationError)) | " +
                       String(format: "%.3f", Double(r.spurious) / Double(max(r.runs, 1))) + " |")
        }
        return out.joined(separator: "\n")
    }
}
