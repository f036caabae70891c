import ArgumentParser
import Foundation
import KGateCore

/// `kgate image`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Image: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "image", abstract: "Build guest images.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate image' is not built yet")
        }
    }
}
