import ArgumentParser
import Foundation
import KGateCore

/// `kgate nightly`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Nightly: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nightly", abstract: "Nightly job over what landed.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate nightly' is not built yet")
        }
    }
}
