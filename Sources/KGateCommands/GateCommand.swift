import ArgumentParser
import Foundation
import Gate
import KGateCore

/// `kgate gate`: the statistics of the gate.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Statistics of the gate (simulate, changepoints).",
        subcommands: [GateSimulate.self, GateChangePoints.self])
}

/// `kgate gate simulate`: false-alarm and detection rates of the adaptive gate.
struct GateSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate A/A and A/B comparisons; print false-alarm and detection rates.",
        discussion: """
        Each cell runs the adaptive gate N times on simulated throughput trials (normal noise \
        with the given CV, and a heavy-tail variant with 5 % stalled trials) and prints the \
        rate (A/A: regression or improvement reported; else: the loss caught as a regression) \
        and the mean trials per side used.

        Replicates are seeded boots: trial k of base and trial k of candidate are one boot \
        each with the same seed k. A trial is mean × (1 + CV × x), x = √ρ·s_k + √(1−ρ)·z, \
        where s_k is the part of the noise the seed fixes (shared within pair k) and z the \
        part it does not (independent per boot); --correlation sets ρ (0: independent \
        draws, as in the real-time modes; 1: a deterministic guest, where an unchanged \
        kernel repeats its base sample exactly). Stalls (heavy-tail) hit single boots. \
        --pairing paired prints, for every cell, the unpaired analysis (Mann–Whitney and its \
        Hodges–Lehmann interval on the pooled trials) next to the paired one (signed-rank \
        test and Walsh-average interval on per-pair ratios), both on the same trials; \
        --pairing auto adds the choice `pairing: auto` makes at every look (paired when a side's \
        seeds spread wider than the threshold and the pairs correlate, else unpaired).
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Simulated comparisons per cell.")
    var runs = 1000

    @Option(name: .long, help: ArgumentHelp("Seed of the generator (same seed, same table).", valueName: "N"))
    var seed: UInt64 = 1

    /// Picks the default threshold: 2 % for auto and deterministic, 5 % for kvm and tcg.
    @OptionGroup var measurement: ModeOption

    @OptionGroup var threshold: ThresholdOption

    @Option(name: .long, help: "Trials per side before the first decision.")
    var minTrials: Int?

    @Option(name: .long, help: "Trials per side at the cap.")
    var maxTrials: Int?

    @Option(name: .long, help: "Trials added per side per look.")
    var step: Int?

    @Option(name: .long, help: "Family-wise false-alarm rate.")
    var alpha: Double?

    @Option(name: .long, help: ArgumentHelp("Noise models: normal, heavy-tail, or both.", valueName: "noise"))
    var noise: NoiseChoice = .both

    @Option(name: .long, help: ArgumentHelp("Correlation of base and candidate within a pair (same seed), 0…1; repeat for several rows.", valueName: "rho"))
    var correlation: [Double] = []

    @Option(help: ArgumentHelp("Also run this analysis next to the unpaired one, on the same trials: paired or auto (repeatable).",
                               valueName: "pairing"))
    var pairing: [Pairing] = []

    @Option(name: .long, help: ArgumentHelp("Coefficient of variation of a trial (fraction); repeat for several rows. Default: 0.005 0.01 0.02 0.05 0.13.", valueName: "cv"))
    var cv: [Double] = []

    @Option(name: .long, help: ArgumentHelp("Candidate loss (fraction, 0 = A/A); repeat for several columns. Default: 0 0.01 0.02 0.03 0.05 0.1, with --paired 0 0.03.", valueName: "effect"))
    var effect: [Double] = []

    func run() throws {
        try reportingErrors(global, verb: "gate simulate") {
            guard runs >= 1 && runs <= 1_000_000 else {
                throw KGateError.usage("--runs \(runs) is out of range", fix: "use 1…1000000")
            }
            var config = GateConfig.defaults(for: measurement.or(.auto))
            if let threshold = try threshold.value() { config.threshold = threshold }
            if let minTrials { config.minTrials = minTrials }
            if let maxTrials { config.maxTrials = maxTrials }
            if let step { config.step = step }
            if let alpha { config.alpha = alpha }
            try config.validate(location: "command line")
            guard correlation.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw KGateError.usage("--correlation \(correlation) is out of range", fix: "use values in 0…1")
            }
            guard cv.allSatisfy({ $0 > 0 && $0 < 1 }), effect.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
                throw KGateError.usage("--cv \(cv) or --effect \(effect) is out of range", fix: "use fractions: CV in (0, 1), effect in [0, 1)")
            }
            let correlations = correlation.isEmpty ? [0] : correlation
            let spreads = cv.isEmpty ? GateSimulation.spreads : cv
            let analyses: [Pairing] = Pairing.ordered.filter { $0 == .unpaired || pairing.contains($0) }
            let effects = !effect.isEmpty ? effect : (analyses.count > 1 ? [0, 0.03] : GateSimulation.effects)
            let models = noise.models
            for model in models {
                let cells = GateSimulation.run(config: config, runs: runs, seed: seed, noise: model, effects: effects,
                                               spreads: spreads, correlations: correlations, analyses: analyses) {
                    Console.shared.status($0)
                }
                Console.shared.clear()
                emit(GateSimulation.table(cells, config: config, noise: model))
                emit("")
            }
            return 0
        }
    }
}

/// `--noise`: one noise model of the simulation, or both.
enum NoiseChoice: String, CaseIterable, ExpressibleByArgument {
    case normal
    case heavyTail = "heavy-tail"
    case both

    var models: [NoiseModel] {
        switch self {
        case .both: return NoiseModel.allCases
        case .normal: return [.normal]
        case .heavyTail: return [.heavyTail]
        }
    }
}
