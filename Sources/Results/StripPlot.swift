import Foundation
import KGateCore
import Gate

/// Inline SVG: one row of dots per kernel (each dot a trial), the medians as bars,
/// the candidate's interval as a band, ±threshold around the base median dashed.
enum StripPlot {
    static let width = 720.0, height = 150.0
    static let left = 90.0, right = 20.0
    static let baseRow = 45.0, candidateRow = 95.0, axisY = 125.0

    static func svg(_ w: WorkloadVerdict) -> String {
        let a = w.verdict.analysis
        let t = w.verdict.threshold
        let lowBand = a.lower.isFinite ? a.baseMedian * (1 + a.lower) : nil
        let highBand = a.upper.isFinite ? a.baseMedian * (1 + a.upper) : nil
        var all = w.baseValues + w.candidateValues + [a.baseMedian * (1 - t), a.baseMedian * (1 + t), a.candidateMedian]
        if let lowBand { all.append(lowBand) }
        if let highBand { all.append(highBand) }
        all = all.filter(\.isFinite)
        var lo = all.min() ?? 0, hi = all.max() ?? 1
        if hi - lo < 1e-12 * max(1, abs(hi)) { lo -= 1; hi += 1 }
        let pad = (hi - lo) * 0.06
        lo -= pad
        hi += pad
        let plotWidth = width - left - right
        func x(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * plotWidth }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s: [String] = []
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" " +
                 "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"trials of \(Escape.html(w.workload))\">")
        s.append("<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fcfcfc\"/>")
        // ±threshold around the base median.
        for edge in [a.baseMedian * (1 - t), a.baseMedian * (1 + t)] {
            s.append("<line x1=\"\(f(x(edge)))\" y1=\"18\" x2=\"\(f(x(edge)))\" y2=\"\(f(axisY))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>")
        }
        // The candidate's interval, mapped onto values via the base median.
        if let lowBand, let highBand {
            let x0 = x(min(lowBand, highBand)), x1 = x(max(lowBand, highBand))
            s.append("<rect x=\"\(f(x0))\" y=\"\(f(candidateRow - 16))\" width=\"\(f(max(2, x1 - x0)))\" height=\"32\" " +
                     "fill=\"#d9822b\" fill-opacity=\"0.18\" stroke=\"#d9822b\" stroke-opacity=\"0.5\"/>")
        }
        let rows: [(String, Double, [Double], Double, String)] = [
            ("base", baseRow, w.baseValues, a.baseMedian, "#3f6fb5"),
            ("candidate", candidateRow, w.candidateValues, a.candidateMedian, "#d9822b"),
        ]
        for (label, y, values, median, color) in rows {
            s.append("<text x=\"8\" y=\"\(f(y + 4))\" font-size=\"13\" fill=\"#333\">\(label)</text>")
            s.append("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#eee\"/>")
            for (i, v) in values.enumerated() where v.isFinite {
                let jitter = Double((i * 7) % 9) - 4
                s.append("<circle cx=\"\(f(x(v)))\" cy=\"\(f(y + jitter * 2))\" r=\"4\" fill=\"\(color)\" fill-opacity=\"0.75\"/>")
            }
            s.append("<line x1=\"\(f(x(median)))\" y1=\"\(f(y - 18))\" x2=\"\(f(x(median)))\" y2=\"\(f(y + 18))\" stroke=\"\(color)\" stroke-width=\"3\"/>")
        }
        // Axis with five ticks.
        s.append("<line x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(width - right))\" y2=\"\(f(axisY))\" stroke=\"#666\"/>")
        let (divisor, unitLabel) = Format.scale(unit: w.unit, magnitude: max(abs(lo), abs(hi)))
        for i in 0...4 {
            let v = lo + (hi - lo) * Double(i) / 4
            let anchor = i == 0 ? "start" : (i == 4 ? "end" : "middle")
            s.append("<line x1=\"\(f(x(v)))\" y1=\"\(f(axisY))\" x2=\"\(f(x(v)))\" y2=\"\(f(axisY + 4))\" stroke=\"#666\"/>")
            s.append("<text x=\"\(f(x(v)))\" y=\"\(f(axisY + 17))\" font-size=\"11\" fill=\"#555\" text-anchor=\"\(anchor)\">" +
                     "\(Escape.html(Format.number(tickRound(v / divisor, span: (hi - lo) / divisor))))</text>")
        }
        s.append("<text x=\"\(f(width - right))\" y=\"12\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">\(Escape.html(unitLabel))</text>")
        s.append("</svg>")
        return s.joined(separator: "\n")
    }

    /// Rounds a tick label to about three significant digits of the axis span.
    static func tickRound(_ v: Double, span: Double) -> Double {
        guard span > 0 else { return v }
        let step = pow(10, floor(log10(span)) - 2)
        return (v / step).rounded() * step
    }
}
