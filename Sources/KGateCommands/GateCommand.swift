import ArgumentParser
import Foundation
import KGateCore

/// `kgate gate`. PLACEHOLDER: replaced by the issue that builds this verb.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gate", abstract: "Statistics of the gate (simulate).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate gate' is not built yet")
        }
    }
}
