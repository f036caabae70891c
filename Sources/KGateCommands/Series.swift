import ArgumentParser
import Foundation
import KGateCore

/// `kgate series`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Series: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "series", abstract: "Show or apply a patch series.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate series' is not built yet")
        }
    }
}
