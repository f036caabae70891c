import ArgumentParser
import Foundation
import Gate
import KGateCore

/// `kgate gate changepoints`: detection and false-alarm rates of the trend's change-point detector.
struct GateChangePoints: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changepoints",
        abstract: "Simulate nightly series; print the change-point detector's detection and false-alarm rates.",
        discussion: """
        Each row draws N series of nights, night k's value 100 × (1 + CV × z_k), times (1 − step) \
        from the step night on, and runs the trend's detector (E-divisive means with its permutation \
        test, the parameters `kgate results trend` uses on noisy nights). Detected: a change point \
        within 2 nights of the step; flat series: any change point is a false alarm.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Simulated series per row.")
    var runs = 1000

    @Option(name: .long, help: ArgumentHelp("Seed of the generator (same seed, same table).", valueName: "N"))
    var seed: UInt64 = 1

    @Option(name: .long, help: "Nights per series.")
    var nights = 30

    @Option(name: .long, help: ArgumentHelp("Coefficient of variation of a night (fraction).", valueName: "cv"))
    var cv = 0.01

    @Option(name: .customLong("step-size"), help: ArgumentHelp("The step's loss (fraction).", valueName: "fraction"))
    var stepSize = 0.03

    func run() throws {
        try reportingErrors(global, verb: "gate changepoints") {
            guard (1...100_000).contains(runs), (12...1000).contains(nights) else {
                throw KGateError.usage("--runs \(runs) or --nights \(nights) is out of range", fix: "use 1…100000 runs and 12…1000 nights")
            }
            guard cv > 0 && cv < 1, stepSize > 0 && stepSize < 1 else {
                throw KGateError.usage("--cv \(cv) or --step-size \(stepSize) is out of range", fix: "use fractions in (0, 1)")
            }
            let rows = ChangePointSimulation.standardScenarios(nights: nights, cv: cv, step: stepSize).map { scenario in
                Console.shared.status("simulating \(scenario.name)")
                return ChangePointSimulation.run(scenario, runs: runs, seed: seed)
            }
            Console.shared.clear()
            emit(ChangePointSimulation.table(rows, parameters: .noisy(seed: seed)))
            return 0
        }
    }
}
