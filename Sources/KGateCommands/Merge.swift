import ArgumentParser
import Foundation
import KGateCore
import Pipeline

/// `kgate merge`: the shards of a sharded check decided as one run.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of a sharded check into one verdict, one report set, one exit code.",
        discussion: """
        Reads the shard files (kgate check --artifacts DIR --shard K/N --shard-dir OUT) from each directory, \
        checks they measured one artifact with every trial exactly once, and decides with the pipeline's gate \
        as kgate check does on one machine (trials pair by seed). The run is stored in the results store \
        (a nightly artifact as a nightly run). Exit codes as kgate check: 0 pass, 1 regression, 2 broken patch, \
        3 inconclusive, 4 infrastructure failure, 64 usage error. --post-patchwork posts the verdict as kgate \
        check does (the artifact names the patchwork series). When a workload needs more trials, nothing \
        is stored, the next wave is printed and written to next-wave.json in --report-dir, and the exit code is 3.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var storeOption: StoreOption

    @Argument(help: ArgumentHelp("Shard directories (each shard's --shard-dir; several waves may be given).", valueName: "dir"))
    var directories: [String]

    @OptionGroup var pipelineOption: PipelineOption

    @OptionGroup var reports: ReportOptions

    @OptionGroup var patchworkPost: PatchworkPostOptions

    @Option(help: ArgumentHelp("With --post-patchwork: the patchwork instance (default: the artifact's, from "
                               + "kgate build --export --patchwork URL --series ID).", valueName: "url"))
    var patchwork: String?

    func validate() throws {
        if directories.isEmpty { throw ValidationError("give the shard directories") }
    }

    func run() throws {
        try reportingErrors(global, verb: "merge") {
            let outcome = try MergeDriver(paths: storeOption.paths(global)).run(
                shardDirectories: directories.map { URL(fileURLWithPath: $0) }, pipeline: pipelineOption.pipeline,
                reportDir: reports.url, post: try patchworkPost.post(baseURL: patchwork ?? ""))
            emit(outcome.summary)
            if let wave = outcome.nextWave {
                emit("next-wave: trials \(wave.trials) workloads \(wave.workloads.joined(separator: ","))")
            }
            Console.shared.line("kgate merge: exit \(outcome.exitCode)")
            return outcome.exitCode
        }
    }
}
