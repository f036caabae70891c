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

/// How simulated trials scatter. A trial is one seeded boot: its value is
/// mean × (1 + cv × x) with x = √ρ·s + √(1 − ρ)·z, where s is what the seed fixes
/// (shared by base and candidate trial k, which run the same seed k) and z what it
/// does not (independent per boot); ρ is the correlation within a pair, 0 for
/// independent draws (the real-time modes, or no seeds).
public enum NoiseModel: String, Sendable, Codable, CaseIterable {
    /// Normal with the given coefficient of variation.
    case normal
    /// Normal, plus 5 % of trials stalled: the value times U(0.6, 0.9) (a trial that
    /// hit a host hiccup or a lost retransmit storm). Stalls are per boot, not per seed.
    case heavyTail = "heavy-tail"

    func draw(mean: Double, cv: Double, common: Double = 0, correlation: Double = 0,
              using rng: inout SeededGenerator) -> Double {
        let z = rng.normal()
        let x = correlation > 0 ? correlation.squareRoot() * common + (1 - correlation).squareRoot() * z : z
        var value = mean * (1 + cv * x)
        if self == .heavyTail && rng.uniform() < 0.05 { value *= 0.6 + 0.3 * rng.uniform() }
        return max(value, mean * 1e-6)
    }
}

/// The result of many simulated comparisons at one effect, spread and correlation.
public struct SimulationCell: Sendable, Codable, Equatable {
    public var effect: Double
    public var cv: Double
    public var noise: NoiseModel
    /// Correlation of base and candidate within a pair (same seed).
    public var correlation: Double = 0
    /// The gate's analysis: unpaired, paired (signed-rank), or auto (`pairsPay` per look).
    public var pairing: Pairing = .unpaired
    /// True when the gate used the paired (signed-rank) analysis throughout.
    public var paired: Bool { pairing == .paired }
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
    /// candidate loses `effect` (0 = A/A), each trial drawn from `noise` with `cv`
    /// and pairs correlated by `correlation`; `paired` picks the analysis.
    public static func cell(config: GateConfig, effect: Double, cv: Double, noise: NoiseModel,
                            runs: Int, seed: UInt64, correlation: Double = 0, paired: Bool = false) -> SimulationCell {
        cells(config: config, effect: effect, cv: cv, noise: noise, runs: runs, seed: seed,
              correlation: correlation, analyses: [paired ? .paired : .unpaired])[0]
    }

    /// One cell per analysis in `analyses`, all on
    /// the same data: each run draws pair k (seed k) once, from a generator of its own,
    /// and every analysis of that run reads the same pairs.
    public static func cells(config: GateConfig, effect: Double, cv: Double, noise: NoiseModel, runs: Int,
                             seed: UInt64, correlation: Double, analyses: [Pairing]) -> [SimulationCell] {
        var rng = SeededGenerator(seed: seed)
        let gate = AdaptiveGate(config)
        let baseMean = 100.0
        let sign = config.direction == .higherIsBetter ? -1.0 : 1.0
        let candidateMean = baseMean * (1 + sign * effect)
        var result = analyses.map {
            SimulationCell(effect: effect, cv: cv, noise: noise, correlation: correlation, pairing: $0, runs: runs,
                           regressions: 0, improvements: 0, unchanged: 0, inconclusive: 0, meanTrials: 0)
        }
        var trials = [Int](repeating: 0, count: analyses.count)
        for _ in 0..<runs {
            // Pair k of a run depends on the run's seed and k alone, whichever analyses read it.
            var pairRNG = SeededGenerator(seed: rng.next())
            var stream: [(Double, Double)] = []
            func drawPairs(upTo count: Int) {
                // Interleaved as the pipeline runs them: base, candidate, base, …
                while stream.count < count {
                    let common = correlation > 0 ? pairRNG.normal() : 0
                    let b = noise.draw(mean: baseMean, cv: cv, common: common, correlation: correlation, using: &pairRNG)
                    let c = noise.draw(mean: candidateMean, cv: cv, common: common, correlation: correlation, using: &pairRNG)
                    stream.append((b, c))
                }
            }
            for (index, pairing) in analyses.enumerated() {
                var n = config.minTrials
                while true {
                    drawPairs(upTo: n)
                    let pairs = Array(stream.prefix(n))
                    let decision = gate.comparesPairs(pairing, pairs).paired ? gate.decide(pairs: pairs)
                                          : gate.decide(base: pairs.map(\.0), candidate: pairs.map(\.1))
                    switch decision {
                    case .needMore(let b, let c, _):
                        n += max(b, c)
                        continue
                    case .done(let verdict):
                        switch verdict.outcome {
                        case .regression: result[index].regressions += 1
                        case .improvement: result[index].improvements += 1
                        case .unchanged: result[index].unchanged += 1
                        case .inconclusive: result[index].inconclusive += 1
                        }
                    }
                    break
                }
                trials[index] += n
            }
        }
        for index in result.indices { result[index].meanTrials = Double(trials[index]) / Double(max(1, runs)) }
        return result
    }

    /// Every effect × spread (× correlation) cell for one noise model, one per
    /// analysis (all on the same data). Cell seeds derive from `seed`.
    public static func run(config: GateConfig, runs: Int, seed: UInt64, noise: NoiseModel,
                           effects: [Double] = effects, spreads: [Double] = spreads, correlations: [Double] = [0],
                           analyses: [Pairing] = [.unpaired], progress: ((String) -> Void)? = nil) -> [SimulationCell] {
        var cells: [SimulationCell] = []
        var seeder = SeededGenerator(seed: seed ^ (noise == .normal ? 0 : 0x5EED))
        for cv in spreads {
            for rho in correlations {
                for effect in effects {
                    progress?("simulating \(noise.rawValue) CV \(Format.percent(cv, signed: false, digits: 1)) rho \(rho) effect \(Format.percent(effect, signed: false, digits: 0))")
                    cells += Self.cells(config: config, effect: effect, cv: cv, noise: noise, runs: runs, seed: seeder.next(),
                                        correlation: rho, analyses: analyses)
                }
            }
        }
        return cells
    }
}

extension GateSimulation {
    /// A text table: one row per spread (and correlation, when pairs are correlated or
    /// the paired analysis ran); A/A false alarms, then the detection rate of each loss,
    /// each with the mean trials per side. With both analyses, each effect gets an
    /// unpaired and a paired column computed on the same data.
    public static func table(_ cells: [SimulationCell], config: GateConfig, noise: NoiseModel) -> String {
        let effects = Array(Set(cells.map(\.effect))).sorted()
        let spreads = Array(Set(cells.map(\.cv))).sorted()
        let correlations = Array(Set(cells.map(\.correlation))).sorted()
        let analyses = Pairing.ordered.filter { analysis in cells.contains { $0.pairing == analysis } }
        let both = analyses.count > 1
        let width = both ? 18 : 16
        let showCorrelation = correlations != [0] || analyses != [.unpaired]
        let runs = cells.first?.runs ?? 0
        var lines: [String] = []
        lines.append("noise \(noise.rawValue), threshold \(Format.percent(config.threshold, signed: false, digits: 0)), " +
                     "trials \(config.minTrials)..\(config.maxTrials) step \(config.step), alpha \(config.alpha) " +
                     "(\(config.looks) looks at \(String(format: "%.5f", config.alphaPerLook))), \(runs) runs per cell")
        lines.append("cells: rate % (mean trials per side); effect 0 = false alarms on A/A, else regressions caught")
        if showCorrelation {
            lines.append("rho: correlation of base and candidate trial k (one seeded boot each, same seed k); " +
                         "unpaired = Mann–Whitney/Hodges–Lehmann on the pooled trials, " +
                         "paired = signed-rank/Walsh interval on the per-pair ratios" +
                         (analyses.contains(.auto) ? "; auto = paired at a look when a side's seeds spread wider than " +
                          "the threshold and the pairs correlate (r >= \(AdaptiveGate.pairingCorrelation)), else unpaired" : ""))
        }
        var header = "CV      " + (showCorrelation ? "rho   " : "")
        for effect in effects {
            for pairing in analyses {
                let name = effect == 0 ? (both ? "A/A" : "A/A false alarm") : "loss \(Format.percent(effect, signed: false, digits: 0))"
                let label = both || pairing != .unpaired ? name + " " + pairing.rawValue : name
                header += label.padding(toLength: width, withPad: " ", startingAt: 0)
            }
        }
        lines.append(header)
        for cv in spreads {
            for rho in correlations {
                var row = Format.percent(cv, signed: false, digits: 1).padding(toLength: 8, withPad: " ", startingAt: 0)
                if showCorrelation { row += String(format: "%-6.2f", rho) }
                var any = false
                for effect in effects {
                    for pairing in analyses {
                        guard let cell = cells.first(where: {
                            $0.cv == cv && $0.correlation == rho && $0.effect == effect && $0.pairing == pairing
                        }) else {
                            row += "".padding(toLength: width, withPad: " ", startingAt: 0)
                            continue
                        }
                        any = true
                        row += String(format: "%5.1f%% (%4.1f)", cell.rate * 100, cell.meanTrials)
                            .padding(toLength: width, withPad: " ", startingAt: 0)
                    }
                }
                if any { lines.append(row) }
            }
        }
        return lines.joined(separator: "\n")
    }
}
