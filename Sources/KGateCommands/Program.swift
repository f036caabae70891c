import ArgumentParser
import Foundation
import KGateCore

extension KGate {
    /// The program: parse the command line, run the verb, exit with its code.
    ///
    /// ArgumentParser exits 64 on a bad command line. `git bisect run` reads
    /// 1-127 (but 125) as "bad", so a typo in `kgate bisect-step`'s options would
    /// mark a good commit bad; every usage error of bisect-step therefore exits
    /// 128, which makes `git bisect run` stop (errors while it runs already do:
    /// `reportingErrors(failureCode:)`).
    public static func runAsMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if arguments.first == BisectStepCommand.configuration.commandName, !exitCode(for: error).isSuccess {
                let text = fullMessage(for: error)
                FileHandle.standardError.write(Data((text + "\nkgate bisect-step: exit \(KGateExitCode.bisectAbort) "
                    + "so that git bisect run stops instead of marking the commit bad\n").utf8))
                Foundation.exit(KGateExitCode.bisectAbort)
            }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
        exit()
    }
}
