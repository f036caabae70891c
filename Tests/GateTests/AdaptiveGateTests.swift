import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Gate

@Suite(.tags(.unit)) struct AdaptiveGateTests {
    let throughput = AdaptiveGate(.defaults(for: .deterministic))

    /// 8 values around `mean` with a fixed ±spread pattern (no ties).
    func around(_ mean: Double, spread: Double = 0.003, count: Int = 8) -> [Double] {
        (0..<count).map { (i: Int) -> Double in
            let position: Double = Double((i * 5) % count) / Double(count - 1)
            return mean * (1 + spread * (position * 2 - 1))
        }
    }

    func outcome(_ d: Decision) -> GateOutcome? { d.verdict?.outcome }

    @Test func defaultsFollowTheDesign() throws {
        #expect(GateConfig.defaults(for: .deterministic).threshold == 0.02)
        #expect(GateConfig.defaults(for: .kvm).threshold == 0.05)
        #expect(GateConfig.defaults(for: .tcg).threshold == 0.05)
        let c = GateConfig.defaults(for: .deterministic)
        #expect(c.looks == 7)
        #expect(abs(c.alphaPerLook - 0.01 / 7) < 1e-15)
        try c.validate()
        #expect(throws: KGateError.self) { try GateConfig(threshold: 0, minTrials: 8).validate() }
        #expect(throws: KGateError.self) { try GateConfig(threshold: 0.02, minTrials: 9, maxTrials: 4).validate() }
    }

    @Test func identicalSamplesAreUnchanged() throws {
        let values = [Double](repeating: 2.5, count: 8)
        let v = try #require(throughput.decide(base: values, candidate: values).verdict)
        #expect(v.outcome == .unchanged)
        #expect(v.analysis.effect == 0 && v.analysis.lower == 0 && v.analysis.upper == 0)
        #expect(v.analysis.pValue == 1)
    }

    @Test func aThreePercentLossIsARegression() throws {
        let v = try #require(throughput.decide(base: around(100), candidate: around(97)).verdict)
        #expect(v.outcome == .regression)
        #expect(abs(v.analysis.effect + 0.03) < 0.002)
        #expect(v.analysis.upper < 0)
        #expect(v.reason.contains("worse than the 2.00 % threshold"))
    }

    @Test func aGainIsAnImprovementNotARegression() {
        #expect(outcome(throughput.decide(base: around(100), candidate: around(104))) == .improvement)
    }

    @Test func zeroVarianceInBothGroups() {
        let base = [Double](repeating: 100, count: 8)
        #expect(outcome(throughput.decide(base: base, candidate: [Double](repeating: 97, count: 8))) == .regression)
        #expect(outcome(throughput.decide(base: base, candidate: [Double](repeating: 99.5, count: 8))) == .unchanged)
    }

    @Test func zeroVarianceInOneGroup() {
        let base = [Double](repeating: 100, count: 8)
        #expect(outcome(throughput.decide(base: base, candidate: around(96))) == .regression)
        #expect(outcome(throughput.decide(base: base, candidate: around(100))) == .unchanged)
    }

    /// One stalled trial (half the throughput) must not make a regression out of equal
    /// kernels: at 8 trials the gate asks for more, and with 4 more per side it settles.
    @Test func oneOutlierDoesNotDecide() throws {
        var candidate = around(100)
        candidate[3] = 50
        let first = throughput.decide(base: around(100), candidate: candidate)
        #expect(first.verdict?.outcome != .regression)
        guard case .needMore(4, 4, let analysis) = first else { Issue.record("\(first)"); return }
        #expect(abs(analysis?.effect ?? 1) < 0.005)
        let v = try #require(throughput.decide(base: around(100, count: 12), candidate: candidate + around(100, count: 4)).verdict)
        #expect(v.outcome == .unchanged)
    }

    @Test func tooFewTrialsNeedMore() {
        let d = throughput.decide(base: around(100, count: 3), candidate: around(97, count: 3))
        guard case .needMore(let b, let c, let analysis) = d else { Issue.record("decided on 3 trials: \(d)"); return }
        #expect(b == 5 && c == 5)
        #expect(analysis != nil)
        #expect(throughput.decide(base: [], candidate: []) == .needMore(baseTrials: 8, candidateTrials: 8, analysis: nil))
        // Unbalanced sides are evened out first.
        guard case .needMore(0, 2, _) = throughput.decide(base: around(100), candidate: around(100, count: 6)) else {
            Issue.record("did not balance"); return
        }
    }

    @Test func noisyDataAsksForMoreThenInconclusiveAtTheCap() {
        var rng = SeededGenerator(seed: 3)
        let gate = AdaptiveGate(GateConfig(threshold: 0.02, minTrials: 8, maxTrials: 16, step: 4))
        let draw = { (n: Int, mean: Double) -> [Double] in (0..<n).map { _ in mean * (1 + 0.10 * rng.normal()) } }
        let base8 = draw(8, 100), cand8 = draw(8, 99)
        guard case .needMore(4, 4, _) = gate.decide(base: base8, candidate: cand8) else {
            Issue.record("10 % noise decided at 8 trials"); return
        }
        let v = gate.decide(base: base8 + draw(8, 100), candidate: cand8 + draw(8, 99)).verdict
        #expect(v?.outcome == .inconclusive)
        #expect(v?.reason.contains("16+16 trials") == true)
    }

    @Test func latencyDirection() {
        let latency = AdaptiveGate(.defaults(for: .deterministic, direction: .lowerIsBetter))
        #expect(outcome(latency.decide(base: around(50), candidate: around(52.5))) == .regression)
        #expect(outcome(latency.decide(base: around(50), candidate: around(47.5))) == .improvement)
        #expect(outcome(throughput.decide(base: around(50), candidate: around(52.5))) == .improvement)
    }

    /// Below the threshold but real: a 1 % loss at 0.3 % spread is reported as
    /// unchanged (the interval lies inside ±2 %), not as a regression.
    @Test func smallRealChangeWithinThresholdIsUnchanged() throws {
        let v = try #require(throughput.decide(base: around(100), candidate: around(99)).verdict)
        #expect(v.outcome == .unchanged)
        #expect(v.analysis.upper < 0)
    }

    /// A candidate that delivers nothing (0 bit/s) cannot use log ratios; it is still a regression.
    @Test func zeroThroughputIsARegression() {
        #expect(outcome(throughput.decide(base: around(2.5), candidate: [Double](repeating: 0, count: 8))) == .regression)
    }

    @Test func realTimeThresholdIsWider() {
        let realTime = AdaptiveGate(.defaults(for: .kvm))
        #expect(outcome(realTime.decide(base: around(100), candidate: around(97))) == .unchanged)
        #expect(outcome(realTime.decide(base: around(100), candidate: around(93))) == .regression)
    }

    @Test func decideOnSamplesSkipsFailedTrials() throws {
        func samples(_ values: [Double], failAt: Int? = nil) -> [Sample] {
            values.enumerated().map { i, v in
                Sample(workload: "tcp", metric: "throughput", unit: "Gbit/s", value: v, trial: i,
                       failure: i == failAt ? "100% loss" : nil)
            }
        }
        let (decision, verdict) = throughput.decide(workload: "tcp", metric: "throughput",
                                                    base: samples(around(100)), candidate: samples(around(97) + [1], failAt: 8))
        #expect(decision.verdict?.outcome == .regression)
        let v = try #require(verdict)
        #expect(v.candidateValues.count == 8)
        #expect(v.unit == "Gbit/s")
    }

    /// Seeded samples pair by seed unless pairing is switched off (`kgate check
    /// --pairing unpaired`): then the same trials get the unpaired analysis.
    @Test func pairingCanBeSwitchedOff() throws {
        let values = [100.0, 87, 112, 95, 104, 91, 108, 99, 93, 110, 97, 102]
        func samples(_ scale: Double) -> [Sample] {
            values.enumerated().map { i, v in
                Sample(workload: "tcp", metric: "throughput", unit: "Gbit/s", value: v * scale, trial: i + 1,
                       seed: UInt64(i + 1))
            }
        }
        let deterministic = AdaptiveGate(.defaults(for: .deterministic))
        let (_, paired) = deterministic.decide(workload: "tcp", metric: "throughput", base: samples(1), candidate: samples(0.95))
        let p = try #require(paired)
        #expect(p.verdict.outcome == .regression && p.verdict.analysis.paired && p.seeds == (1...12).map { UInt64($0) })
        let (decision, unpaired) = deterministic.decide(workload: "tcp", metric: "throughput", base: samples(1),
                                                        candidate: samples(0.95), pairing: .unpaired)
        #expect(unpaired == nil, "a 5 % shift inside an 8 % seed spread does not settle unpaired at 12 trials")
        guard case .needMore(_, _, let analysis) = decision else { Issue.record("expected needMore"); return }
        #expect(analysis?.paired == false)
    }

    @Test func overallOutcomeAndExitCodes() {
        #expect(GateOutcome.overall([.unchanged, .regression, .inconclusive]) == .regression)
        #expect(GateOutcome.overall([.unchanged, .inconclusive]) == .inconclusive)
        #expect(GateOutcome.overall([.unchanged, .improvement]) == .improvement)
        #expect(GateOutcome.regression.exitCode == 1)
        #expect(GateOutcome.inconclusive.exitCode == 3)
        #expect(GateOutcome.unchanged.exitCode == 0)
    }

    @Test func analysisJSONRoundTripsUnboundedIntervals() throws {
        let a = GateAnalysis(baseCount: 3, candidateCount: 3, baseMedian: 1, candidateMedian: 1, effect: 0,
                             lower: -.infinity, upper: .infinity, level: 0.99, pValue: 1, shift: 0)
        let data = try JSONEncoder().encode(a)
        #expect(String(decoding: data, as: UTF8.self).contains("\"lower\":null"))
        #expect(try JSONDecoder().decode(GateAnalysis.self, from: data) == a)
    }

    @Test func formatting() {
        #expect(Format.percent(-0.0312) == "-3.12 %")
        #expect(Format.percent(0.05) == "+5.00 %")
        #expect(Format.percent(-0.00001) == "0.00 %")
        // Never a thousands separator nor exactly three decimals ("15.500" reads as 15500 in much of Europe).
        #expect(Format.number(1234) == "1234")
        #expect(Format.number(1237.5) == "1238")
        #expect(Format.number(0) == "0")
        #expect(Format.number(15.5) == "15.50")
        #expect(Format.number(2.5771) == "2.58")
        #expect(Format.number(427.14) == "427.1")
        #expect(Format.number(-0.0312) == "-0.0312")
    }

    @Test func quantitiesScaleToHumanUnits() {
        #expect(Format.quantity(13_885_804_300, unit: "bit/s") == "13.89 Gbit/s")
        #expect(Format.quantity(427_137_434, unit: "bit/s") == "427.1 Mbit/s")
        #expect(Format.quantity(999_999, unit: "bit/s") == "1000 kbit/s")
        #expect(Format.quantity(12, unit: "bit/s") == "12 bit/s")
        #expect(Format.quantity(48.287, unit: "us") == "48.29 µs")
        #expect(Format.quantity(0.5, unit: "%") == "0.5000 %")
        #expect(Format.quantity(3, unit: "") == "3")
        #expect(Format.scale(unit: "bit/s", magnitude: 2.6e9) == (1e9, "Gbit/s"))
    }
}
