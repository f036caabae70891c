import ArgumentParser
import Foundation
import KGateCore

/// `kgate build`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build a kernel from a revision of a tree.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate build' is not built yet")
        }
    }
}
