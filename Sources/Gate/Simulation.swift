import Foundation
import KGateCore

/// xoshiro256** seeded through SplitMix64: a small, fast, reproducible generator.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Marsaglia's polar method).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }
}

/// How simulated trials scatter.
public enum NoiseModel: String, Sendable, Codable, CaseIterable {
    /// Normal with the given coefficient of variation.
    case normal
    /// Normal, plus 5 % of trials stalled: the value times U(0.6, 0.9) (a trial that
    /// hit a host hiccup or a lost retransmit storm).
    case heavyTail = "heavy-tail"

    func draw(mean: Double, cv: Double, using rng: inout SeededGenerator) -> Double {
        var value = mean * (1 + cv * rng.normal())
        if self == .heavyTail && rng.uniform() < 0.05 { value *= 0.6 + 0.3 * rng.uniform() }
        return max(value, mean * 1e-6)
    }
}

/// The result of many simulated comparisons at one effect and spread.
public struct SimulationCell: Sendable, Codable, Equatable {
    public var effect: Double
    public var cv: Double
    public var noise: NoiseModel
    public var runs: Int
    public var regressions: Int
    public var improvements: Int
    public var unchanged: Int
    public var inconclusive: Int
    /// Mean trials per side when the gate settled.
    public var meanTrials: Double

    /// A/A (effect 0): regression or improvement reported. Otherwise: regression found.
    public var rate: Double {
        effect == 0 ? Double(regressions + improvements) / Double(runs) : Double(regressions) / Double(runs)
    }
}

/// Monte-Carlo proof of the gate: false alarms on A/A data, detection of real losses.
public enum GateSimulation {
    public static let effects: [Double] = [0, 0.01, 0.02, 0.03, 0.05, 0.10]
    public static let spreads: [Double] = [0.005, 0.01, 0.02, 0.05, 0.13]

    /// Simulates `runs` adaptive comparisons of a throughput metric where the
    /// candidate loses `effect` (0 = A/A), each trial drawn from `noise` with `cv`.
    public static func cell(config: GateConfig, effect: Double, cv: Double, noise: NoiseModel,
                            runs: Int, seed: UInt64) -> SimulationCell {
        var rng = SeededGenerator(seed: seed)
        let gate = AdaptiveGate(config)
        let baseMean = 100.0
        let sign = config.direction == .higherIsBetter ? -1.0 : 1.0
        let candidateMean = baseMean * (1 + sign * effect)
        var cell = SimulationCell(effect: effect, cv: cv, noise: noise, runs: runs, regressions: 0,
                                  improvements: 0, unchanged: 0, inconclusive: 0, meanTrials: 0)
        var trials = 0
        for _ in 0..<runs {
            var base: [Double] = [], candidate: [Double] = []
            var needBase = config.minTrials, needCandidate = config.minTrials
            while true {
                // Interleaved as the pipeline runs them: base, candidate, base, …
                while needBase > 0 || needCandidate > 0 {
                    if needBase > 0 { base.append(noise.draw(mean: baseMean, cv: cv, using: &rng)); needBase -= 1 }
                    if needCandidate > 0 { candidate.append(noise.draw(mean: candidateMean, cv: cv, using: &rng)); needCandidate -= 1 }
                }
                switch gate.decide(base: base, candidate: candidate) {
                case .needMore(let b, let c, _):
                    needBase = b
                    needCandidate = c
                    continue
                case .done(let verdict):
                    switch verdict.outcome {
                    case .regression: cell.regressions += 1
                    case .improvement: cell.improvements += 1
                    case .unchanged: cell.unchanged += 1
                    case .inconclusive: cell.inconclusive += 1
                    }
                }
                break
            }
            trials += max(base.count, candidate.count)
        }
        cell.meanTrials = Double(trials) / Double(max(1, runs))
        return cell
    }

    /// Every effect × spread cell for one noise model. Cell seeds derive from `seed`.
    public static func run(config: GateConfig, runs: Int, seed: UInt64, noise: NoiseModel,
                           effects: [Double] = effects, spreads: [Double] = spreads,
                           progress: ((String) -> Void)? = nil) -> [SimulationCell] {
        var cells: [SimulationCell] = []
        var seeder = SeededGenerator(seed: seed ^ (noise == .normal ? 0 : 0x5EED))
        for cv in spreads {
            for effect in effects {
                progress?("simulating \(noise.rawValue) CV \(Format.percent(cv, signed: false, digits: 1)) effect \(Format.percent(effect, signed: false, digits: 0))")
                cells.append(cell(config: config, effect: effect, cv: cv, noise: noise, runs: runs, seed: seeder.next()))
            }
        }
        return cells
    }

    /// A text table: one row per spread; A/A false alarms, then the detection rate of
    /// each loss, each with the mean trials per side.
    public static func table(_ cells: [SimulationCell], config: GateConfig, noise: NoiseModel) -> String {
        let effects = Array(Set(cells.map(\.effect))).sorted()
        let spreads = Array(Set(cells.map(\.cv))).sorted()
        let runs = cells.first?.runs ?? 0
        var lines: [String] = []
        lines.append("noise \(noise.rawValue), threshold \(Format.percent(config.threshold, signed: false, digits: 0)), " +
                     "trials \(config.minTrials)..\(config.maxTrials) step \(config.step), alpha \(config.alpha) " +
                     "(\(config.looks) looks at \(String(format: "%.5f", config.alphaPerLook))), \(runs) runs per cell")
        lines.append("cells: rate % (mean trials per side); effect 0 = false alarms on A/A, else regressions caught")
        var header = "CV      "
        for effect in effects {
            header += (effect == 0 ? "A/A false alarm" : "loss \(Format.percent(effect, signed: false, digits: 0))")
                .padding(toLength: 16, withPad: " ", startingAt: 0)
        }
        lines.append(header)
        for cv in spreads {
            var row = Format.percent(cv, signed: false, digits: 1).padding(toLength: 8, withPad: " ", startingAt: 0)
            for effect in effects {
                guard let cell = cells.first(where: { $0.cv == cv && $0.effect == effect }) else { continue }
                row += String(format: "%5.1f%% (%4.1f)", cell.rate * 100, cell.meanTrials)
                    .padding(toLength: 16, withPad: " ", startingAt: 0)
            }
            lines.append(row)
        }
        return lines.joined(separator: "\n")
    }
}
