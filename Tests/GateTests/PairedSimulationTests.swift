import Foundation
import Testing
import TestSupport
@testable import Gate

/// The simulation of seeded boots: what pairing buys, and that it costs no false alarms.
@Suite(.tags(.unit)) struct PairedSimulationTests {
    let config = GateConfig.defaults(for: .deterministic)

    func both(effect: Double, cv: Double, rho: Double, runs: Int, seed: UInt64) -> (unpaired: SimulationCell, paired: SimulationCell) {
        let cells = GateSimulation.cells(config: config, effect: effect, cv: cv, noise: .normal, runs: runs, seed: seed,
                                         correlation: rho, analyses: [false, true])
        return (cells[0], cells[1])
    }

    /// Both analyses read the same trials: adding the paired one leaves the unpaired
    /// cell as it was, and an uncorrelated unpaired cell is what `cell` always gave.
    @Test func analysesShareTheData() {
        let alone = GateSimulation.cell(config: config, effect: 0.03, cv: 0.02, noise: .heavyTail, runs: 100, seed: 21,
                                        correlation: 0.5)
        let together = GateSimulation.cells(config: config, effect: 0.03, cv: 0.02, noise: .heavyTail, runs: 100,
                                            seed: 21, correlation: 0.5, analyses: [false, true])
        #expect(together[0] == alone && together[1].paired && !together[0].paired)
    }

    /// A deterministic guest (rho = 1) on an unchanged kernel: every run settles as
    /// unchanged at the minimum with pairing, however large the seed spread.
    @Test func deterministicAASettlesAtTheMinimum() {
        let cell = both(effect: 0, cv: 0.13, rho: 1, runs: 200, seed: 22)
        #expect(cell.paired.unchanged == 200 && cell.paired.meanTrials == Double(config.minTrials))
        #expect(cell.unpaired.meanTrials > 20)
    }

    /// No false alarms added by pairing, independent or correlated.
    @Test(arguments: [0.0, 0.9])
    func pairingKeepsFalseAlarmsRare(rho: Double) {
        let cell = both(effect: 0, cv: 0.05, rho: rho, runs: 300, seed: 23)
        #expect(cell.paired.rate <= 0.03 && cell.unpaired.rate <= 0.03, "\(cell)")
    }

    /// A 3 % loss behind a 5 % seed spread: pairing at rho 0.9 catches what the
    /// unpaired analysis of the same trials mostly cannot, with fewer trials.
    @Test func pairingCatchesALossBehindTheSeedSpread() {
        let cell = both(effect: 0.03, cv: 0.05, rho: 0.9, runs: 300, seed: 24)
        #expect(cell.paired.rate >= 0.9, "paired \(cell.paired.rate)")
        #expect(cell.paired.rate > cell.unpaired.rate + 0.2, "unpaired \(cell.unpaired.rate)")
        #expect(cell.paired.meanTrials < cell.unpaired.meanTrials)
        let table = GateSimulation.table([cell.unpaired, cell.paired], config: config, noise: .normal)
        #expect(table.contains("loss 3 % paired") && table.contains("loss 3 % unpaired") && table.contains("0.90"))
    }
}
