import ArgumentParser
import Foundation
import KGateCore

/// `kgate bisect`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Bisect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bisect", abstract: "Find the commit that regressed throughput.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate bisect' is not built yet")
        }
    }
}
