import ArgumentParser
import Foundation
import KGateCore

/// `kgate run`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run network workloads on a kernel.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate run' is not built yet")
        }
    }
}
