import ArgumentParser
import Foundation
import KGateCore
import Results

/// `kgate results import --from URL|FILE`: another store's whole history into this one
/// (`--store`), in one transaction; the reverse of `results export --to`.
struct ResultsImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Copy another store's whole history into this store.",
        discussion: "Ids are kept when this store has no runs yet, else renumbered (every reference follows).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var db: StoreOption
    @Option(name: .customLong("from"), help: ArgumentHelp("The store to copy from.", valueName: "url|file"))
    var source: String

    func run() throws {
        try reportingErrors(global, verb: "results import") {
            let location = try StoreLocation.parse(source)
            if case .sqlite(let path) = location.backend, !FileManager.default.fileExists(atPath: path) {
                throw KGateError.usage("no store to import from", location: path, fix: "name an existing SQLite file or a postgres:// URL")
            }
            return try copyHistory(from: ResultStore(location: location), to: db.open(global))
        }
    }
}
