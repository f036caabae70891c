import ArgumentParser
import Foundation
import KGateCore

/// `kgate check`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Pre-merge gate: does this series regress network throughput?.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate check' is not built yet")
        }
    }
}
