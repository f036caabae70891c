import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Gate

/// `pairing: auto`: the same seeds on both sides, and each look pairs only when
/// the pairs pay (a side's seeds spread wider than the threshold and the pairs
/// move together).
@Suite(.tags(.unit)) struct AutoPairingTests {
    let gate = AdaptiveGate(GateConfig(threshold: 0.02, minTrials: 6, maxTrials: 10, step: 4))

    /// Seeded samples from (base, candidate) pairs: trial k has seed k on both sides.
    func samples(_ pairs: [(Double, Double)]) -> (base: [Sample], candidate: [Sample]) {
        func s(_ v: Double, _ k: Int) -> Sample {
            Sample(workload: "w", metric: "throughput_bps", unit: "bit/s", value: v, trial: k, seed: UInt64(k))
        }
        return (pairs.enumerated().map { s($1.0, $0 + 1) }, pairs.enumerated().map { s($1.1, $0 + 1) })
    }

    func decide(_ pairs: [(Double, Double)], _ pairing: Pairing, gate: AdaptiveGate? = nil) -> (Decision, WorkloadVerdict?) {
        let (b, c) = samples(pairs)
        return (gate ?? self.gate).decide(workload: "w", metric: "throughput_bps", base: b, candidate: c, pairing: pairing)
    }

    /// tcp-stream-10ms-like: seeds spread 0.3 %, a 6 % loss, pairs not bit-identical.
    /// Paired, 6 pairs cannot reach the level (2/64 > 0.01/2); unpaired, 6+6 can
    /// (2/924). Auto compares unpaired and settles at the minimum.
    @Test func narrowSeedsGoUnpairedAndSettleAtTheMinimum() throws {
        let base = [1530.0, 1532, 1529, 1534, 1531, 1533]
        let pairs = base.enumerated().map { ($1, $1 * 0.94 + Double($0 % 3)) }
        let (pairedDecision, _) = decide(pairs, .paired)
        #expect(pairedDecision.verdict == nil, "paired needs more than 6 pairs")
        let (_, verdict) = decide(pairs, .auto)
        let v = try #require(verdict)
        #expect(v.verdict.outcome == .regression && !v.verdict.analysis.paired && v.seeds == nil)
        #expect(v.verdict.reason.contains("auto pairing: seeds spread") && v.verdict.reason.contains("unpaired"),
                "\(v.verdict.reason)")
    }

    /// memcg-sockpressure-like control: seeds spread 23 % and the candidate repeats every
    /// pair bit for bit. Unpaired, the interval covers the spread and cannot settle;
    /// auto pairs and settles unchanged at the minimum with [0, 0].
    @Test func wideSeedsWithIdenticalPairsGoPaired() throws {
        let base = [2.352, 2.9, 2.36, 2.41, 2.355, 2.7]
        let pairs = base.map { ($0, $0) }
        let wide = AdaptiveGate(GateConfig(threshold: 0.10, minTrials: 6, maxTrials: 10, step: 4))
        let (_, verdict) = decide(pairs, .auto, gate: wide)
        let v = try #require(verdict)
        #expect(v.verdict.outcome == .unchanged && v.verdict.analysis.paired)
        #expect(v.verdict.analysis.lower == 0 && v.verdict.analysis.upper == 0)
        #expect(v.verdict.reason.contains("pairs identical: paired"), "\(v.verdict.reason)")
        let (unpaired, _) = decide(pairs, .unpaired, gate: wide)
        #expect(unpaired.verdict == nil, "unpaired, a 23 % seed spread hides a 10 % change")
    }

    /// Wide seeds whose pairs move together (the same seed, the same draw): paired.
    /// Wide seeds whose pairs do not (another regime on the candidate): unpaired.
    @Test func correlationDecidesWhenSeedsSpreadWide() {
        let base = [100.0, 87, 112, 95, 104, 91, 108, 99]
        let together = base.map { ($0, $0 * 0.95) }
        #expect(gate.pairsPay(together).paired)
        #expect(gate.pairsPay(together).reason.contains("correlated (r = 1.00)"))
        let apart = zip(base, base.reversed()).map { ($0, $1 * 10) }
        let rule = gate.pairsPay(apart)
        #expect(!rule.paired && rule.reason.contains("uncorrelated"), "\(rule.reason)")
        #expect(AdaptiveGate.relativeRange([1, 1.1, 0.9]) > 0.19 && AdaptiveGate.relativeRange([5]) == 0)
    }

    /// Auto's choice ignores a shift between the sides: scaling the candidate by any
    /// factor leaves the spread of each side and the correlation of logs unchanged.
    @Test(arguments: [0.5, 0.95, 1.0, 1.07, 3.0])
    func theChoiceIsBlindToTheShift(factor: Double) {
        let base = [100.0, 97, 104, 99, 102, 96, 101, 103]
        let noise = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99]
        let pairs = zip(base, noise).map { ($0, $0 * $1) }
        let reference = gate.pairsPay(pairs)
        let shifted = gate.pairsPay(pairs.map { ($0.0, $0.1 * factor) })
        #expect(shifted.paired == reference.paired)
        #expect(shifted.reason == reference.reason)
    }

    /// Without shared seeds there is nothing to pair: auto is unpaired.
    @Test func unseededSamplesStayUnpaired() throws {
        let b = (1...6).map { Sample(workload: "w", metric: "m", unit: "", value: 100 + Double($0), trial: $0) }
        let c = (1...6).map { Sample(workload: "w", metric: "m", unit: "", value: 90 + Double($0), trial: $0) }
        let (_, verdict) = gate.decide(workload: "w", metric: "m", base: b, candidate: c, pairing: .auto)
        let v = try #require(verdict)
        #expect(!v.verdict.analysis.paired && !v.verdict.reason.contains("auto pairing"))
    }
}
