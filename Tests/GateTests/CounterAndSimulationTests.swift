import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Gate

@Suite(.tags(.unit)) struct CounterTests {
    func trials(_ n: Int, seed: UInt64, _ make: (inout SeededGenerator, Int) -> [String: Double]) -> [[String: Double]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { make(&rng, $0) }
    }

    @Test func consistentLargeMoveIsReported() throws {
        let base = trials(8, seed: 1) { rng, _ in ["TcpExt.TCPMemoryPressures": 0, "Tcp.RetransSegs": (12 + 3 * rng.normal()).rounded()] }
        let candidate = trials(8, seed: 2) { rng, i in
            ["TcpExt.TCPMemoryPressures": i % 2 == 0 ? 1234 : 1234, "Tcp.RetransSegs": (13 + 3 * rng.normal()).rounded()]
        }
        let changes = CounterExplainer.changes(base: base, candidate: candidate)
        #expect(changes.map(\.name) == ["TcpExt.TCPMemoryPressures"])
        let change = try #require(changes.first)
        #expect(change.summary == "TcpExt.TCPMemoryPressures 0 → 1234")
        #expect(change.superiority == 1)
    }

    /// A counter that jumps in a single trial is not a consistent move.
    @Test func oneTrialSpikeIsIgnored() {
        let base = [[String: Double]](repeating: ["Tcp.RetransSegs": 20], count: 8)
        var candidate = base
        candidate[5]["Tcp.RetransSegs"] = 5000
        #expect(CounterExplainer.changes(base: base, candidate: candidate).isEmpty)
    }

    /// Relative but tiny (2 → 5 events) and large but relatively small (10000 → 10400) are noise.
    @Test func smallChangesAreIgnored() {
        let tinyBase = [[String: Double]](repeating: ["a": 2, "b": 10000], count: 6)
        let tinyCand = [[String: Double]](repeating: ["a": 5, "b": 10400], count: 6)
        #expect(CounterExplainer.changes(base: tinyBase, candidate: tinyCand).isEmpty)
    }

    @Test func missingCounterCountsAsZeroAndDropsAreReported() {
        let base = [[String: Double]](repeating: ["TcpExt.TCPOFOQueue": 400], count: 5)
        let candidate = [[String: Double]](repeating: [:], count: 5)
        let changes = CounterExplainer.changes(base: base, candidate: candidate)
        #expect(changes.map(\.summary) == ["TcpExt.TCPOFOQueue 400 → 0"])
        #expect(CounterExplainer.changes(base: Array(base.prefix(2)), candidate: Array(candidate.prefix(2))).isEmpty)
    }

    /// A workload's evidence counters come first, moved or not, outside the limit.
    @Test func pinnedCountersLeadAndStayWhenTheyDidNotMove() {
        let base: [[String: Double]] = (0..<4).map { i in ["rcv.ss.rcv_ssthresh.max": 5792, "a.moved": 100 + Double(i), "b.moved": 10] }
        let candidate: [[String: Double]] = (0..<4).map { i in ["rcv.ss.rcv_ssthresh.max": 3_000_000, "a.moved": 900 + Double(i), "b.moved": 500] }
        let rule = CounterRule(limit: 1, pinned: ["memcg.stat.pgscan", "rcv.ss.rcv_ssthresh.max"])
        let changes = CounterExplainer.changes(base: base, candidate: candidate, rule: rule)
        // The pinned counter nobody measured is left out; the measured one leads; the limit
        // of one applies to the others only.
        #expect(changes.map(\.name) == ["rcv.ss.rcv_ssthresh.max", "b.moved"])
        #expect(changes.first?.baseMedian == 5792 && changes.first?.candidateMedian == 3_000_000)
        let still: [[String: Double]] = (0..<4).map { _ in ["rcv.ss.rcv_ssthresh.max": 5792] }
        let same = CounterExplainer.changes(base: still, candidate: still, rule: rule)
        #expect(same.map(\.summary) == ["rcv.ss.rcv_ssthresh.max 5792 → 5792"])
        #expect(same.first?.superiority == 0.5)
    }
}

/// The gate's error rates by seeded simulation (smaller than `kgate gate simulate`,
/// with bounds loose enough for the sampling error at these run counts, tight
/// enough to fail when the design breaks).
@Suite(.tags(.unit)) struct SimulationTests {
    let config = GateConfig.defaults(for: .deterministic)

    @Test(arguments: [NoiseModel.normal, .heavyTail])
    func falseAlarmsOnAADataStayRare(noise: NoiseModel) {
        for cv in [0.01, 0.05, 0.13] {
            let cell = GateSimulation.cell(config: config, effect: 0, cv: cv, noise: noise, runs: 300, seed: 11)
            // Target 1 %; with 300 runs, 3 % is > 3 sigma above a true 1 % rate.
            #expect(cell.rate <= 0.03, "false alarms \(cell.rate) at CV \(cv) (\(noise))")
            #expect(cell.regressions + cell.improvements + cell.unchanged + cell.inconclusive == 300)
        }
    }

    @Test(arguments: [NoiseModel.normal, .heavyTail])
    func threePercentLossAtOnePercentCVIsCaught(noise: NoiseModel) {
        let cell = GateSimulation.cell(config: config, effect: 0.03, cv: 0.01, noise: noise, runs: 300, seed: 12)
        #expect(cell.rate >= 0.93, "detection \(cell.rate) (\(noise))")
        #expect(cell.meanTrials < 16, "mean trials \(cell.meanTrials)")
    }

    @Test func largeLossesAreCaughtAndEqualKernelsSettleQuickly() {
        let big = GateSimulation.cell(config: config, effect: 0.10, cv: 0.05, noise: .normal, runs: 200, seed: 13)
        #expect(big.rate >= 0.97)
        let quiet = GateSimulation.cell(config: config, effect: 0, cv: 0.005, noise: .normal, runs: 200, seed: 14)
        #expect(quiet.unchanged == 200)
        #expect(quiet.meanTrials < Double(config.minTrials) + 0.5)
    }

    /// The simulation can fail: a gate without interval or threshold discipline
    /// (one look at alpha 0.4) raises false alarms far above the target.
    @Test func aLaxGateIsCaughtBySimulation() {
        let lax = GateConfig(threshold: 0.001, minTrials: 8, maxTrials: 8, step: 1, alpha: 0.4)
        let cell = GateSimulation.cell(config: lax, effect: 0, cv: 0.02, noise: .normal, runs: 300, seed: 15)
        #expect(cell.rate > 0.2)
    }

    @Test func sameSeedSameTable() {
        let a = GateSimulation.run(config: config, runs: 20, seed: 5, noise: .heavyTail, effects: [0, 0.03], spreads: [0.02])
        let b = GateSimulation.run(config: config, runs: 20, seed: 5, noise: .heavyTail, effects: [0, 0.03], spreads: [0.02])
        #expect(a == b)
        let table = GateSimulation.table(a, config: config, noise: .heavyTail)
        #expect(table.contains("A/A false alarm"))
        #expect(table.contains("loss 3 %"))
    }
}

/// The simulation of seeded boots: what pairing buys, and that it costs no false alarms.
@Suite(.tags(.unit)) struct PairedSimulationTests {
    let config = GateConfig.defaults(for: .deterministic)

    func both(effect: Double, cv: Double, rho: Double, runs: Int, seed: UInt64) -> (unpaired: SimulationCell, paired: SimulationCell) {
        let cells = GateSimulation.cells(config: config, effect: effect, cv: cv, noise: .normal, runs: runs, seed: seed,
                                         correlation: rho, analyses: [.unpaired, .paired])
        return (cells[0], cells[1])
    }

    /// Both analyses read the same trials: adding the paired one leaves the unpaired
    /// cell as it was, and an uncorrelated unpaired cell is what `cell` always gave.
    @Test func analysesShareTheData() {
        let alone = GateSimulation.cell(config: config, effect: 0.03, cv: 0.02, noise: .heavyTail, runs: 100, seed: 21,
                                        correlation: 0.5)
        let together = GateSimulation.cells(config: config, effect: 0.03, cv: 0.02, noise: .heavyTail, runs: 100,
                                            seed: 21, correlation: 0.5, analyses: [.unpaired, .paired])
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

    /// `pairing: auto` on the same trials: rare false alarms whatever the correlation,
    /// the paired minimum on a deterministic A/A, the unpaired speed on narrow seeds,
    /// and the paired power behind a wide, correlated seed spread.
    @Test(arguments: [0.0, 0.5, 0.9])
    func autoKeepsFalseAlarmsRare(rho: Double) {
        let cells = GateSimulation.cells(config: config, effect: 0, cv: 0.05, noise: .normal, runs: 300, seed: 25,
                                         correlation: rho, analyses: [.auto])
        #expect(cells[0].rate <= 0.03 && cells[0].pairing == .auto, "\(cells[0])")
    }

    @Test func autoTakesTheBetterAnalysisOfEachRegime() {
        func cells(_ effect: Double, _ cv: Double, _ rho: Double, seed: UInt64) -> [SimulationCell] {
            GateSimulation.cells(config: config, effect: effect, cv: cv, noise: .normal, runs: 200, seed: seed,
                                 correlation: rho, analyses: [.unpaired, .paired, .auto])
        }
        let identical = cells(0, 0.13, 1, seed: 26)
        #expect(identical[2].unchanged == 200 && identical[2].meanTrials == Double(config.minTrials))
        let narrow = cells(0.03, 0.005, 0.5, seed: 27)
        #expect(narrow[2].rate >= 0.95 && narrow[2].meanTrials < narrow[1].meanTrials, "auto \(narrow[2]) paired \(narrow[1])")
        let behind = cells(0.03, 0.05, 0.9, seed: 28)
        #expect(behind[2].rate > behind[0].rate + 0.2, "auto \(behind[2].rate) unpaired \(behind[0].rate)")
        let table = GateSimulation.table(narrow, config: config, noise: .normal)
        #expect(table.contains("loss 3 % auto") && table.contains("auto = paired at a look"))
    }
}
