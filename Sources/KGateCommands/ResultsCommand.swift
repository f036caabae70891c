import ArgumentParser
import Foundation
import KGateCore

/// `kgate results`. (being built)
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "results", abstract: "Stored results: list, show, export.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        try reportingErrors(global) { throw KGateError.infrastructure("'kgate results' is not built yet") }
    }
}
