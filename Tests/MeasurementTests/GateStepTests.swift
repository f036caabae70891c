import Foundation
import Gate
import KGateCore
@testable import Measurement
import Testing
import TestSupport
import Workloads

/// The one gate step (`GateStep`): decide, ask for more, stop at the cap; the
/// same for a check's rounds, a merge's waves and a bisection's endpoints.
@Suite(.tags(.unit)) struct GateStepTests {
    static func workload(min: Int = 3, max: Int = 6, step: Int = 2) throws -> MeasuredWorkload {
        let spec = try WorkloadLoader.load("tcp-stream-10ms")
        return MeasuredWorkload(spec: spec, gate: GateConfig(threshold: 0.02, direction: spec.direction, minTrials: min,
                                                             maxTrials: max, step: step))
    }

    static func samples(_ w: MeasuredWorkload, _ values: [Double], failed: Int = 0) -> [Sample] {
        values.enumerated().map { i, v in
            Sample(workload: w.spec.name, metric: w.spec.metric.rawValue, unit: w.spec.metric.unit, value: v, trial: i + 1,
                   failure: i < failed ? "lost" : nil, seed: UInt64(i + 1))
        }
    }

    @Test func identicalPairsAreDecided() throws {
        let w = try Self.workload()
        let s = Self.samples(w, [100, 101, 102])
        guard case .decided(let v) = GateStep.next(w, base: s, candidate: s, attempted: (3, 3), pairing: .paired,
                                                   sameTrialNumbers: true) else { Issue.record("not decided"); return }
        #expect(v.verdict.outcome == .unchanged)
    }

    @Test func tooFewValidTrialsAskForTheMinimumThenStopAtTheCap() throws {
        let w = try Self.workload()
        let base = Self.samples(w, [100, 100, 100], failed: 2), candidate = Self.samples(w, [100, 100, 100], failed: 2)
        guard case .more(let b, let c) = GateStep.next(w, base: base, candidate: candidate, attempted: (3, 3),
                                                       pairing: .paired, sameTrialNumbers: true) else {
            Issue.record("expected more"); return
        }
        #expect(b == c && b >= 1 && b <= 3, "never past the cap of 6")
        guard case .capped(let v) = GateStep.next(w, base: base, candidate: candidate, attempted: (6, 6),
                                                  pairing: .paired, sameTrialNumbers: true) else {
            Issue.record("expected capped"); return
        }
        #expect(v.verdict.outcome == .inconclusive && v.verdict.reason.hasPrefix("only 1+1 valid trials at the cap; failed trials: lost"))
    }

    @Test func theStepOnADecisionClampsAndPairs() {
        let gate = GateConfig(threshold: 0.02, minTrials: 3, maxTrials: 6, step: 2)
        let ask = Decision.needMore(baseTrials: 1, candidateTrials: 4, analysis: nil)
        guard case .more(let b, let c) = GateStep.step(ask, gate: gate, attempted: (3, 3), sameTrialNumbers: true) else {
            Issue.record("expected more"); return
        }
        #expect(b == 3 && c == 3, "the same trial numbers on both sides: the larger request, clamped to the cap")
        guard case .more(let ub, let uc) = GateStep.step(ask, gate: gate, attempted: (3, 3), sameTrialNumbers: false) else {
            Issue.record("expected more"); return
        }
        #expect(ub == 1 && uc == 3)
        guard case .more(let zb, let zc) = GateStep.step(.needMore(baseTrials: 0, candidateTrials: 0, analysis: nil), gate: gate,
                                                         attempted: (5, 5), sameTrialNumbers: true) else {
            Issue.record("expected more"); return
        }
        #expect(zb == 1 && zc == 1, "an undecided gate always gets a trial below the cap")
        if case .capped = GateStep.step(ask, gate: gate, attempted: (6, 6), sameTrialNumbers: true) {} else {
            Issue.record("expected capped at 6+6")
        }
    }

    @Test func aClassifiedKernelTakesStepsUpToTheCap() {
        let gate = GateConfig(threshold: 0.02, minTrials: 3, maxTrials: 8, step: 2)
        #expect(GateStep.more(afterMeasuring: 3, gate: gate) == 2)
        #expect(GateStep.more(afterMeasuring: 7, gate: gate) == 1)
        #expect(GateStep.more(afterMeasuring: 8, gate: gate) == nil)
    }

    /// Side by side: results in kernel order; the base's failure is the one reported,
    /// and in a real-time mode the candidate does not start after the base failed.
    @Test func sideBySideReportsTheBaseFirst() throws {
        let kernels = [KernelUnderTest(role: .base, revision: "b", image: URL(fileURLWithPath: "/b")),
                       KernelUnderTest(role: .candidate, revision: "c", image: URL(fileURLWithPath: "/c"))]
        #expect(try SideBySide.run(kernels, mode: .deterministic) { $0.revision } == ["b", "c"])
        let failing = SideBySide.results(kernels, mode: .tcg) { k -> String in
            if k.role == .base { throw KGateError.infrastructure("base failed") }
            return k.revision
        }
        #expect(throws: KGateError.self) { try failing[0].get() }
        #expect(throws: Concurrently.Skipped.self) { try failing[1].get() }
    }
}
