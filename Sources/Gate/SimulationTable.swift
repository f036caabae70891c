import Foundation

extension GateSimulation {
    /// A text table: one row per spread (and correlation, when pairs are correlated or
    /// the paired analysis ran); A/A false alarms, then the detection rate of each loss,
    /// each with the mean trials per side. With both analyses, each effect gets an
    /// unpaired and a paired column computed on the same data.
    public static func table(_ cells: [SimulationCell], config: GateConfig, noise: NoiseModel) -> String {
        let effects = Array(Set(cells.map(\.effect))).sorted()
        let spreads = Array(Set(cells.map(\.cv))).sorted()
        let correlations = Array(Set(cells.map(\.correlation))).sorted()
        let analyses = [false, true].filter { analysis in cells.contains { $0.paired == analysis } }
        let both = analyses.count > 1
        let width = both ? 18 : 16
        let showCorrelation = correlations != [0] || analyses.contains(true)
        let runs = cells.first?.runs ?? 0
        var lines: [String] = []
        lines.append("noise \(noise.rawValue), threshold \(Format.percent(config.threshold, signed: false, digits: 0)), " +
                     "trials \(config.minTrials)..\(config.maxTrials) step \(config.step), alpha \(config.alpha) " +
                     "(\(config.looks) looks at \(String(format: "%.5f", config.alphaPerLook))), \(runs) runs per cell")
        lines.append("cells: rate % (mean trials per side); effect 0 = false alarms on A/A, else regressions caught")
        if showCorrelation {
            lines.append("rho: correlation of base and candidate trial k (one seeded boot each, same seed k); " +
                         "unpaired = Mann–Whitney/Hodges–Lehmann on the pooled trials, " +
                         "paired = signed-rank/Walsh interval on the per-pair ratios")
        }
        var header = "CV      " + (showCorrelation ? "rho   " : "")
        for effect in effects {
            for paired in analyses {
                let name = effect == 0 ? (both ? "A/A" : "A/A false alarm") : "loss \(Format.percent(effect, signed: false, digits: 0))"
                let label = both ? name + (paired ? " paired" : " unpaired") : (paired ? name + " paired" : name)
                header += label.padding(toLength: width, withPad: " ", startingAt: 0)
            }
        }
        lines.append(header)
        for cv in spreads {
            for rho in correlations {
                var row = Format.percent(cv, signed: false, digits: 1).padding(toLength: 8, withPad: " ", startingAt: 0)
                if showCorrelation { row += String(format: "%-6.2f", rho) }
                var any = false
                for effect in effects {
                    for paired in analyses {
                        guard let cell = cells.first(where: {
                            $0.cv == cv && $0.correlation == rho && $0.effect == effect && $0.paired == paired
                        }) else {
                            row += "".padding(toLength: width, withPad: " ", startingAt: 0)
                            continue
                        }
                        any = true
                        row += String(format: "%5.1f%% (%4.1f)", cell.rate * 100, cell.meanTrials)
                            .padding(toLength: width, withPad: " ", startingAt: 0)
                    }
                }
                if any { lines.append(row) }
            }
        }
        return lines.joined(separator: "\n")
    }
}
