import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Gate

/// Decisions of the paired gate: trial k of base and candidate ran with seed k.
@Suite(.tags(.unit)) struct PairedGateTests {
    let deterministic = GateConfig.defaults(for: .deterministic)

    /// n pairs whose seed moves both sides together by `seedCV` and each boot on its
    /// own by `bootCV`; the candidate is `ratio` times the base.
    func pairs(_ n: Int, seed: UInt64, seedCV: Double, bootCV: Double, ratio: Double) -> [(Double, Double)] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in
            let level = 100 * (1 + seedCV * rng.normal())
            return (level * (1 + bootCV * rng.normal()), ratio * level * (1 + bootCV * rng.normal()))
        }
    }

    /// Runs the adaptive loop on a stream of pairs; returns the verdict and the pairs used.
    func settle(_ gate: AdaptiveGate, _ stream: [(Double, Double)]) -> (verdict: GateVerdict?, used: Int) {
        var n = gate.config.minTrials
        while n <= stream.count {
            switch gate.decide(pairs: Array(stream.prefix(n))) {
            case .done(let verdict): return (verdict, n)
            case .needMore(let b, let c, _):
                #expect(b == c && b > 0)
                n += b
            }
        }
        return (nil, n)
    }

    /// A patch off the measured path repeats every base sample bit for bit: unchanged at
    /// the minimum, interval exactly [0, 0], even with a seed spread of 13 % that keeps
    /// the unpaired analysis of the same trials from settling.
    @Test(arguments: [MetricDirection.higherIsBetter, .lowerIsBetter])
    func identicalPairsSettleUnchangedAtTheMinimum(direction: MetricDirection) throws {
        var config = deterministic
        config.direction = direction
        let gate = AdaptiveGate(config)
        let base = pairs(8, seed: 1, seedCV: 0.13, bootCV: 0, ratio: 1).map(\.0)
        let verdict = try #require(gate.decide(base: base, candidate: base, paired: true).verdict)
        #expect(verdict.outcome == .unchanged)
        #expect(verdict.analysis.lower == 0 && verdict.analysis.upper == 0 && verdict.analysis.effect == 0)
        #expect(verdict.analysis.paired && verdict.analysis.pValue == 1 && verdict.analysis.baseCount == 8)
        #expect(verdict.reason.contains("(paired)"))
        #expect(gate.decide(base: base, candidate: base).verdict == nil)
        // Zero throughput in some trials: the additive fallback, still [0, 0].
        let withZeros = base.enumerated().map { $0.offset % 3 == 0 ? 0 : $0.element }
        let fallback = try #require(gate.decide(pairs: Array(zip(withZeros, withZeros))).verdict)
        #expect(fallback.outcome == .unchanged && fallback.analysis.lower == 0 && fallback.analysis.upper == 0)
    }

    /// Most seeds identical, the rest within 0.3 %: the zeros are data, and the gate says
    /// unchanged at the first look where the pairs can reach the level (12 with the
    /// defaults, as 8 pairs cannot: 2/2^8 > 0.01/7), never a change.
    @Test func partlyIdenticalPairsSettleUnchanged() throws {
        var rng = SeededGenerator(seed: 3)
        let stream = (0..<32).map { k -> (Double, Double) in
            let b = 100 * (1 + 0.1 * rng.normal())
            return (b, k % 3 == 0 ? b * (1 + 0.003 * (2 * rng.uniform() - 1)) : b)
        }
        let result = settle(AdaptiveGate(deterministic), stream)
        let verdict = try #require(result.verdict)
        #expect(verdict.outcome == .unchanged && result.used == 12)
        #expect(verdict.analysis.lower > -0.01 && verdict.analysis.upper < 0.01)
        var twelve = deterministic
        twelve.minTrials = 12
        #expect(AdaptiveGate(twelve).decide(pairs: Array(stream.prefix(12))).verdict?.outcome == .unchanged)
    }

    /// A 3 % loss under a 10 % seed spread and 0.2 % boot noise: a regression at the
    /// first look for the paired analysis; the unpaired one on the same trials cannot see it.
    @Test func clearPairedShiftIsARegressionAtTheMinimum() throws {
        var config = deterministic
        config.minTrials = 12
        let gate = AdaptiveGate(config)
        let data = pairs(12, seed: 5, seedCV: 0.10, bootCV: 0.002, ratio: 0.97)
        let verdict = try #require(gate.decide(pairs: data).verdict)
        #expect(verdict.outcome == .regression)
        #expect(verdict.analysis.lower < -0.025 && verdict.analysis.upper > -0.035 && verdict.analysis.upper < -0.02)
        #expect(gate.decide(base: data.map(\.0), candidate: data.map(\.1)).verdict?.outcome != .regression)
        // Latency (lower is better) 3 % down: the mirror image.
        var latency = config
        latency.direction = .lowerIsBetter
        #expect(AdaptiveGate(latency).decide(pairs: data).verdict?.outcome == .improvement)
        // At 8 pairs no change can be significant at 0.01/7: more seeds, not a verdict.
        guard case .needMore(4, 4, let a) = AdaptiveGate(deterministic).decide(pairs: Array(data.prefix(8))) else {
            Issue.record("8 pairs decided")
            return
        }
        #expect(a?.lower == -.infinity)
    }

    /// ±3 % per pair with random signs: the median ratio stays near 1 and no look
    /// reports a change, up to the cap.
    @Test func mixedSignNoiseIsNotARegression() {
        var rng = SeededGenerator(seed: 7)
        for run in 0..<20 {
            let stream = (0..<32).map { _ -> (Double, Double) in
                let b = 100 * (1 + 0.05 * rng.normal())
                return (b, b * (1 + (rng.uniform() < 0.5 ? -0.03 : 0.03) + 0.002 * rng.normal()))
            }
            let outcome = settle(AdaptiveGate(deterministic), stream).verdict?.outcome
            #expect(outcome == .inconclusive || outcome == .unchanged, "run \(run): \(String(describing: outcome))")
        }
    }

    /// A zero throughput trial switches to differences relative to the base median.
    @Test func nonPositiveValuesUseAdditiveDifferences() throws {
        var config = deterministic
        config.minTrials = 12
        var data = pairs(12, seed: 9, seedCV: 0.05, bootCV: 0.001, ratio: 0.95)
        data[4] = (0, 0)
        let a = try #require(AdaptiveGate(config).analyse(pairs: data))
        #expect(a.paired && a.lower.isFinite && a.upper < 0)
        #expect(abs(a.effect + 0.05) < 0.01)
        #expect(AdaptiveGate(config).decide(pairs: data).verdict?.outcome == .regression)
    }

    /// Unpaired reports encode exactly as before pairing; JSON written before pairing
    /// decodes as unpaired; a paired analysis round-trips.
    @Test func analysisCodableStaysCompatible() throws {
        let old = #"{"baseCount":8,"candidateCount":8,"baseMedian":2.5,"candidateMedian":2.4,"effect":-0.04,"lower":null,"upper":0.01,"level":0.99857,"pValue":0.02,"shift":-0.039}"#
        let decoded = try JSONDecoder().decode(GateAnalysis.self, from: Data(old.utf8))
        #expect(!decoded.paired && decoded.lower == -.infinity && decoded.upper == 0.01)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let unpaired = String(decoding: try encoder.encode(decoded), as: UTF8.self)
        #expect(!unpaired.contains("paired"))
        var paired = decoded
        paired.paired = true
        let data = try encoder.encode(paired)
        #expect(String(decoding: data, as: UTF8.self).contains(#""paired":true"#))
        #expect(try JSONDecoder().decode(GateAnalysis.self, from: data) == paired)
    }
}
