import ArgumentParser
import Foundation
import Gate
import KGateCore

/// `kgate gate`: the statistics of the gate.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Statistics of the gate (simulate).",
        subcommands: [GateSimulate.self])
}

/// `kgate gate simulate`: false-alarm and detection rates of the adaptive gate.
struct GateSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate A/A and A/B comparisons; print false-alarm and detection rates.",
        discussion: """
        Each cell runs the adaptive gate N times on simulated throughput trials (normal noise
        with the given CV, and a heavy-tail variant with 5 % stalled trials) and prints the
        rate (A/A: regression or improvement reported; else: the loss caught as a regression)
        and the mean trials per side used.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Simulated comparisons per cell.")
    var runs = 1000

    @Option(name: .long, help: "Seed of the generator (same seed, same table).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Measurement mode whose default threshold to use (deterministic: 2 %, kvm/tcg: 5 %).")
    var mode: String = "deterministic"

    @Option(name: .long, help: "Override the threshold (fraction, e.g. 0.02).")
    var threshold: Double?

    @Option(name: .long, help: "Trials per side before the first decision.")
    var minTrials: Int?

    @Option(name: .long, help: "Trials per side at the cap.")
    var maxTrials: Int?

    @Option(name: .long, help: "Trials added per side per look.")
    var step: Int?

    @Option(name: .long, help: "Family-wise false-alarm rate.")
    var alpha: Double?

    @Option(name: .long, help: "Noise models: normal, heavy-tail, or both.")
    var noise: String = "both"

    func run() throws {
        try reportingErrors(global, verb: Self.configuration.commandName ?? "") {
            guard runs >= 1 && runs <= 1_000_000 else {
                throw KGateError.usage("--runs \(runs) is out of range", fix: "use 1…1000000")
            }
            guard let measurement = MeasurementMode(rawValue: mode) else {
                throw KGateError.usage("unknown mode '\(mode)'", fix: "use deterministic, kvm or tcg")
            }
            var config = GateConfig.defaults(for: measurement)
            if let threshold { config.threshold = threshold }
            if let minTrials { config.minTrials = minTrials }
            if let maxTrials { config.maxTrials = maxTrials }
            if let step { config.step = step }
            if let alpha { config.alpha = alpha }
            try config.validate(location: "command line")
            let models: [NoiseModel]
            switch noise {
            case "both": models = NoiseModel.allCases
            default:
                guard let model = NoiseModel(rawValue: noise) else {
                    throw KGateError.usage("unknown noise model '\(noise)'", fix: "use normal, heavy-tail or both")
                }
                models = [model]
            }
            for model in models {
                let cells = GateSimulation.run(config: config, runs: runs, seed: seed, noise: model) {
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
