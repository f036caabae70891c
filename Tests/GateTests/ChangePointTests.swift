import Foundation
import Testing
import TestSupport
@testable import Gate

@Suite(.tags(.unit)) struct ChangePointTests {
    /// 30 nights of 1 % noise, seeded; a 3 % loss from night `step` on (nil: flat).
    func nights(seed: UInt64, step: Int?) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<30).map { k in 100 * (step.map { k >= $0 ? 0.97 : 1 } ?? 1) * (1 + 0.01 * rng.normal()) }
    }

    @Test(arguments: [UInt64(3), 11, 29])
    func aThreePercentStepInOnePercentNoiseIsFoundAtItsNight(seed: UInt64) {
        let found = ChangePoints.detect(nights(seed: seed, step: 12), parameters: .noisy())
        #expect(found.count == 1, "\(found)")
        #expect(found.first.map { abs($0.index - 12) <= 1 } == true, "\(found)")
        #expect(found.first.map { $0.relativeChange < -0.02 && ($0.pValue ?? 1) <= 0.01 } == true)
    }

    @Test(arguments: [UInt64(3), 11, 29, 41, 57])
    func flatNoisyNightsRaiseNothing(seed: UInt64) {
        #expect(ChangePoints.detect(nights(seed: seed, step: nil), parameters: .noisy()).isEmpty)
    }

    @Test func deterministicNightsChangeBeyondTheThresholdOnly() {
        let rule = ChangePoints.Parameters.deterministic(threshold: 0.02)
        // Residue between revisions (under the threshold) is no change.
        #expect(ChangePoints.detect([100, 100.4, 99.8, 100.1, 100.3, 99.9], parameters: rule).isEmpty)
        // A 5 % step between otherwise repeating nights is one, at the first night after it.
        #expect(ChangePoints.detect([100, 100.1, 95, 95.1], parameters: rule).map(\.index) == [2])
        #expect(ChangePoints.detect([100, 100, 100, 95], parameters: rule).map(\.index) == [3], "one night is enough")
        // A step back up is a second change.
        #expect(ChangePoints.detect([100, 100, 95, 95, 95, 100, 100], parameters: rule).map(\.index) == [2, 5])
        // 1.5 % is under a 2 % threshold, over a 1 % one.
        #expect(ChangePoints.detect([100, 100, 98.5, 98.5], parameters: rule).isEmpty)
        #expect(ChangePoints.detect([100, 100, 98.5, 98.5], parameters: .deterministic(threshold: 0.01)).map(\.index) == [2])
    }

    @Test func theSimulationFindsStepsAndStaysQuietOnFlatSeries() {
        let scenarios = ChangePointSimulation.standardScenarios()
        let step = ChangePointSimulation.run(scenarios[1], runs: 40, seed: 5)
        let flat = ChangePointSimulation.run(scenarios[2], runs: 40, seed: 5)
        #expect(step.detected >= 38, "\(step)")
        #expect(flat.detected <= 2, "\(flat)")
        #expect(ChangePointSimulation.table([step, flat], parameters: .noisy()).contains("| 40 |"))
    }

    @Test func theMedianIntervalComesFromOrderStatistics() {
        #expect(Statistics.medianInterval([5, 1, 4, 2, 3, 6]).map { [$0.lower, $0.upper] } == [1, 6])
        #expect(Statistics.medianInterval(Array(1...10).map(Double.init)).map { [$0.lower, $0.upper] } == [2, 9])
        #expect(Statistics.medianInterval([3]).map { [$0.lower, $0.upper] } == [3, 3])
        #expect(Statistics.medianInterval([]) == nil)
    }
}
