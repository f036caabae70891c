import ArgumentParser
import Artifacts
import Foundation
import KGateCore
import PatchSeries
import Pipeline

/// `kgate build --export DIR` / `--import DIR`: the build job of a sharded
/// check (docs/DESIGN.md, "Sharded checks").
struct ArtifactOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Build a check's base and candidate kernels and guest image into DIR (a manifest with digests).",
                               valueName: "dir"))
    var export: String?

    @Option(name: .customLong("import"), help: ArgumentHelp("Verify an exported DIR against its manifest and copy it into the cache.",
                                                           valueName: "dir"))
    var importDir: String?

    @Option(help: ArgumentHelp("With --export: the series (mbox, .patch, format-patch directory or message-id).", valueName: "source"))
    var series: String?

    @Option(help: ArgumentHelp("With --export: the base revision (default: the series' base-commit, else HEAD).", valueName: "rev"))
    var base: String?

    @Option(help: ArgumentHelp("With --export and no --series: compare --base with this revision (a nightly; merged as one).",
                               valueName: "rev"))
    var head: String?
}

extension Build {
    /// Exit code when --export or --import was given, nil for an ordinary build.
    func runArtifact() throws -> Int32? {
        if let dir = artifact.importDir {
            let imported = try ImportedArtifact.load(URL(fileURLWithPath: dir), paths: global.paths)
            emit(imported.candidateImage.path)
            return KGateExitCode.pass
        }
        guard let dir = artifact.export else { return nil }
        guard (artifact.series == nil) != (artifact.head == nil) else {
            throw KGateError.usage("kgate build --export needs either --series SOURCE (a check) or --head REV (a nightly)",
                                   fix: "kgate build --export DIR --series patches.mbox --pipeline premerge")
        }
        let request = CheckRequest(tree: treeOption.tree, base: artifact.base, series: artifact.series, pipeline: pipeline)
        _ = try ArtifactExporter(paths: global.paths).export(request, head: artifact.head, to: URL(fileURLWithPath: dir))
        emit(dir)
        return KGateExitCode.pass
    }
}
