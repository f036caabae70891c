import ArgumentParser
import Foundation
import KGateCore
import Pipeline
import Results
import Workloads

/// `kgate results trend`: the nightly history as a page of charts with change points and culprits.
struct ResultsTrend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend", abstract: "Chart the nightly history: trend.html and trend.json.",
        discussion: """
        One chart per workload and metric of every series of nights (a series: one tree, pipeline, \
        kernel configuration and measurement mode): each night's head, its median and interval, the \
        gate's threshold band, change points (E-divisive means), regressions with their culprit and \
        a link to the night's report (written to DIR/nights/).
        """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var storeOption: StoreOption
    @Option(name: .long, help: ArgumentHelp("Only this tree's nights.", valueName: "name")) var tree: String?
    @Option(name: .long, help: ArgumentHelp("Only this pipeline's nights: a pipeline name under pipelines/ or a YAML file (its name).",
                                             valueName: "name|file")) var pipeline: String?
    @Option(name: .long, help: ArgumentHelp("Only this workload's charts: a built-in name or a YAML file (its name).",
                                             valueName: "name|file")) var workload: String?
    @Option(name: .long, help: "The most recent nights per tree and pipeline.") var nights = 90
    @Option(name: .long, help: ArgumentHelp("Write trend.html, trend.json and nights/ here.", valueName: "dir")) var out: String

    func run() throws {
        try reportingErrors(global, verb: "results trend") {
            guard (2...10_000).contains(nights) else {
                throw KGateError.usage("--nights \(nights) is out of range", fix: "use 2…10000")
            }
            let dir = URL(fileURLWithPath: out)
            // Stored runs name their pipeline and workloads: a file given here stands for its
            // name; a plain name is taken as stored (the history may outlive a pipeline file).
            func isFile(_ s: String) -> Bool { s.contains("/") || s.hasSuffix(".yaml") || s.hasSuffix(".yml") }
            let pipelineName = try pipeline.map { isFile($0) ? try PipelineLoader.load($0).name : $0 }
            let workloadName = try workload.map { isFile($0) ? try WorkloadLoader.load($0).name : $0 }
            let doc = try TrendWriter.write(store: storeOption.open(global), to: dir, tree: tree, pipeline: pipelineName,
                                            workload: workloadName, nights: nights)
            for s in doc.series {
                emit("\(s.workload) \(s.metric) (\(s.tree), \(s.pipeline), \(s.mode)): \(s.nights.count) night(s), " +
                     "\(s.changePoints.count) change point(s)")
            }
            emit("wrote \(dir.appendingPathComponent("trend.html").path)")
            return 0
        }
    }
}
