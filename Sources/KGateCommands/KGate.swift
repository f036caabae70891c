import ArgumentParser
import Foundation
import KGateCore

/// The root command. Each verb lives in its own file.
public struct KGate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kgate",
        abstract: "Kernel patch CI: apply, build, boot, measure network throughput, gate the merge.",
        discussion: """
        Exit codes (check, nightly): 0 pass, 1 throughput regression, 2 broken patch, \
        3 inconclusive, 4 infrastructure failure, 64 usage error.
        """,
        subcommands: [
            Doctor.self, Tree.self, SeriesCommand.self, Build.self, Image.self, Boot.self, Run.self,
            GateCommand.self, ResultsCommand.self, Check.self, Merge.self, Nightly.self, Bisect.self, BisectStepCommand.self, Watch.self,
        ]
    )

    public init() {}
}

/// Options every verb takes.
public struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Cache directory (trees, worktrees, builds, images, results).",
                                            discussion: "Default: $KGATE_CACHE, else $XDG_CACHE_HOME/kgate, else ~/.cache/kgate.",
                                            valueName: "dir"))
    public var cache: String?

    @Flag(name: .long, help: "Print every progress line, even on a pipe.")
    public var verbose = false

    public init() {}

    public var paths: CachePaths { CachePaths.resolve(option: cache) }
}

/// Runs a verb's body: a `KGateError` is printed with its location, excerpt,
/// cause and fix, and becomes the exit code its kind maps to; anything else
/// thrown is a fault of kgate or the host (exit 4, never a verdict on the patch).
/// `verb` is the command as typed ("image build"), named in an unexpected error.
/// `failureCode` replaces every error's code (`bisect-step`: 128).
func reportingErrors(_ global: GlobalOptions? = nil, verb: String, failureCode: Int32? = nil,
                     _ body: () throws -> Int32) throws {
    if let global, global.verbose { Console.shared.verbose = true }
    let code: Int32
    do {
        code = try body()
    } catch let exit as ArgumentParser.ExitCode {
        throw exit
    } catch let error as CleanExit {
        throw error
    } catch {
        // A child ended because kgate is being stopped: the signal handler exits.
        Supervisor.parkIfInterrupted()
        let reported = (error as? KGateError) ?? KGateError.unexpected(error, during: verb)
        Console.shared.clear()
        FileHandle.standardError.write(Data((reported.description + "\n").utf8))
        throw ArgumentParser.ExitCode(failureCode ?? reported.exitCode)
    }
    if code != 0 { throw ArgumentParser.ExitCode(code) }
}

/// Writes to stdout (results, not progress).
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
