import ArgumentParser
import KGateCore
import PatchSeries

/// The series to work on: the same options in `check`, `series show` and `series apply`.
/// `--series` is always a source; with `--patchwork` that source is the patchwork series id.
struct SeriesSourceOptions: ParsableArguments {
    static let seriesHelp = "An mbox, a .patch/.eml mail, a git format-patch directory or a message-id (fetched from lore); "
        + "with --patchwork, the patchwork series id."

    @Option(help: ArgumentHelp(SeriesSourceOptions.seriesHelp, valueName: "source"))
    var series: String?

    @Option(help: ArgumentHelp("A lore message-id (same as --series <msgid>).", valueName: "msgid"))
    var lore: String?

    @Option(name: .customLong("lore-url"), help: ArgumentHelp("The public-inbox to fetch message-ids from.", valueName: "url"))
    var loreURL: String = SeriesLoader.defaultLoreURL

    @Option(help: ArgumentHelp("A patchwork instance to fetch the series from (--series is then its id).", valueName: "url"))
    var patchwork: String?

    /// The one source given (`positional` is the series verbs' source argument, the
    /// same as --series): a path or message-id, or a patchwork series.
    func resolve(positional: String? = nil) throws -> (source: String?, patchwork: PatchworkSeriesRef?) {
        let given = [positional, series, lore].compactMap { $0 }
        guard given.count == 1 else {
            throw KGateError.usage(given.isEmpty ? "no series given" : "the series is given more than once",
                                   fix: "give one of: --series SOURCE, --lore MSGID, or --patchwork URL --series ID")
        }
        guard let patchwork else { return (given[0], nil) }
        guard let s = series, let id = Int(s), id > 0 else {
            throw KGateError.usage("with --patchwork, --series is the patchwork series id (a number)",
                                   fix: "e.g. --patchwork https://patchwork.kernel.org --series 123456")
        }
        return (nil, PatchworkSeriesRef(baseURL: patchwork, seriesID: id))
    }
}
