import ArgumentParser
import Foundation
import KGateCore

/// `kgate bisect-step`. PLACEHOLDER: replaced by the issue that builds this verb.
struct BisectStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bisect-step", abstract: "One step of git bisect run.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate bisect-step' is not built yet")
        }
    }
}
