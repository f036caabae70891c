import ArgumentParser
import Artifacts
import Foundation
import KGateCore
import Pipeline

/// `kgate check --artifacts DIR --shard K/N --shard-dir OUT [--trial-range A-B]`:
/// one shard of a sharded check (docs/DESIGN.md, "Sharded checks").
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Measure the kernels of this exported artifact (kgate build --export); never builds.",
                               valueName: "dir"))
    var artifacts: String?

    @Option(help: ArgumentHelp("Run shard K of N of the trials (with --artifacts and --shard-dir).", valueName: "K/N"))
    var shard: String?

    @Option(name: .customLong("shard-dir"), help: ArgumentHelp("Write this shard's samples here, for kgate merge.", valueName: "dir"))
    var shardDir: String?

    @Option(name: .customLong("trial-range"),
            help: ArgumentHelp("The trial numbers of this wave (default 1-min); kgate merge names the next wave's.",
                               valueName: "A-B"))
    var trialRange: String?

    func validate(hasSeries: Bool) throws {
        if artifacts == nil {
            guard shard == nil, shardDir == nil, trialRange == nil else {
                throw ValidationError("--shard, --shard-dir and --trial-range need --artifacts DIR (from kgate build --export)")
            }
            return
        }
        if hasSeries { throw ValidationError("--artifacts already holds the series' kernels: drop --series/--lore") }
        guard shardDir != nil else { throw ValidationError("--artifacts needs --shard-dir DIR (where kgate merge reads)") }
    }
}

extension Check {
    /// Exit code of a shard run, nil for an ordinary check.
    func runShard() throws -> Int32? {
        guard let artifacts = sharding.artifacts, let out = sharding.shardDir else { return nil }
        let shard = try ShardSpec.parse(sharding.shard ?? "1/1")
        let trials = try sharding.trialRange.map(TrialRangeParser.parse)
        let url = try ShardDriver(paths: global.paths).run(
            artifacts: URL(fileURLWithPath: artifacts), pipeline: pipelineOption.pipeline, shard: shard, trials: trials,
            only: onlyWorkload, to: URL(fileURLWithPath: out))
        emit(url.path)
        return KGateExitCode.pass
    }
}
