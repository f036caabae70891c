import ArgumentParser
import Foundation
import KGateCore

/// `kgate tree`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Tree: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree", abstract: "Manage kernel trees (import, add, list).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate tree' is not built yet")
        }
    }
}
