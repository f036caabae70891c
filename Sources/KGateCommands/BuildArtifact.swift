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

    @Option(help: ArgumentHelp("With --export and no --series: compare --base with this revision (a pull request's head).",
                               valueName: "rev"))
    var head: String?

    @Flag(help: "With --export --head: a nightly comparison (the merge stores it as a nightly run).")
    var nightly = false

    @Option(help: ArgumentHelp("With --export: the patchwork instance --series is a series id of (kept in the manifest "
                               + "for kgate merge --post-patchwork).", valueName: "url"))
    var patchwork: String?
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
            throw KGateError.usage("kgate build --export needs either --series SOURCE (a check) or --head REV (a pull request, "
                                   + "or with --nightly a nightly), not both",
                                   fix: "kgate build --export DIR --series patches.mbox --pipeline premerge, or "
                                       + "kgate build --export DIR --tree T --base REV --head REV")
        }
        if artifact.head != nil && treeOption.tree == nil {
            throw KGateError.usage("--head needs --tree NAME (the repository holding both revisions)",
                                   fix: "kgate tree add CLONE --name T, then --tree T --base REV --head REV")
        }
        if artifact.nightly && artifact.head == nil {
            throw KGateError.usage("--nightly needs --head REV", fix: "kgate build --export DIR --nightly --base GOOD --head HEAD")
        }
        var request = CheckRequest(tree: treeOption.tree, base: artifact.base, series: artifact.series, pipeline: pipeline)
        request.head = artifact.head
        if let url = artifact.patchwork {
            guard let s = artifact.series, let id = Int(s), id > 0 else {
                throw KGateError.usage("with --patchwork, --series is the patchwork series id (a number)",
                                       fix: "e.g. --patchwork https://patchwork.kernel.org --series 123456")
            }
            request.series = nil
            request.patchwork = PatchworkSeriesRef(baseURL: url, seriesID: id)
        }
        _ = try ArtifactExporter(paths: global.paths).export(request, kind: artifact.nightly ? .nightly : .check,
                                                             to: URL(fileURLWithPath: dir))
        emit(dir)
        return KGateExitCode.pass
    }
}
