import ArgumentParser
import Foundation
import KGateCore

/// `kgate boot`. PLACEHOLDER: replaced by the issue that builds this verb.
struct Boot: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "boot", abstract: "Boot a kernel in QEMU and run a command in the guest.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors(global) {
            throw KGateError.infrastructure("'kgate boot' is not built yet")
        }
    }
}
