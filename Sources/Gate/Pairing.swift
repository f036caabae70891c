import Foundation
import KGateCore

/// How the gate analyses seeded trials (docs/DESIGN.md, "Seeds and paired statistics").
///
/// - `paired`: base and candidate trial k boot with seed k and the gate compares
///   them pair by pair (signed-rank on per-pair log ratios).
/// - `unpaired`: the candidate draws other seeds; the gate compares the two
///   samples as a whole (rank-sum, Hodges–Lehmann), as in real-time modes.
/// - `auto`: the same seeds on both sides; each look pairs when pairs carry
///   information (`AdaptiveGate.pairsPay`) and compares unpaired otherwise.
public enum Pairing: String, Sendable, Codable, CaseIterable {
    case paired, unpaired, auto

    /// Table order: unpaired, paired, auto.
    public static let ordered: [Pairing] = [.unpaired, .paired, .auto]

    /// Trial k of both sides boots with seed k.
    public var sharesSeeds: Bool { self != .unpaired }
}

extension AdaptiveGate {
    /// Correlation of log base and log candidate below which pairs are not used.
    public static let pairingCorrelation = 0.5

    /// `auto`'s rule: pair when a side's own seeds spread wider than the threshold
    /// (a shift of the threshold's size hides inside that spread unless the
    /// pairs cancel it) and the pairs are correlated (they do cancel it: the same
    /// seed gave both kernels the same draws). Bit-identical pairs are the limit
    /// (correlation 1). Both criteria are blind to a shift between the sides
    /// (ranges are relative, the correlation of logs ignores a common factor), so
    /// the choice does not lean towards a verdict; `kgate gate simulate --auto`
    /// measures its false alarms.
    ///
    /// When spreads are narrow the rank-sum test decides at 6+6 (its smallest
    /// p-value, 2/924, is below alpha/looks), where the signed-rank test needs 10
    /// pairs (2/2^n); when the seeds spread wide and pairs move together, only the
    /// pairs see a shift at all.
    public func pairsPay(_ pairs: [(Double, Double)]) -> (paired: Bool, reason: String) {
        let b = pairs.map(\.0), c = pairs.map(\.1)
        let spread = max(Self.relativeRange(b), Self.relativeRange(c))
        let spreadText = "seeds spread \(Format.percent(spread, signed: false, digits: 1))"
        guard spread > config.threshold else {
            return (false, "\(spreadText), within the \(Format.percent(config.threshold, signed: false, digits: 0)) threshold: unpaired")
        }
        guard let rho = Self.logCorrelation(pairs) else {
            return (true, "\(spreadText); pairs identical: paired")
        }
        let rhoText = String(format: "%.2f", rho)
        return rho >= Self.pairingCorrelation
            ? (true, "\(spreadText), pairs correlated (r = \(rhoText)): paired")
            : (false, "\(spreadText), pairs uncorrelated (r = \(rhoText)): unpaired")
    }

    /// Whether a look under `pairing` compares these pairs pair by pair, and under
    /// `.auto` why (`pairsPay`'s reason, prefixed "auto pairing: ").
    public func comparesPairs(_ pairing: Pairing, _ pairs: [(Double, Double)]) -> (paired: Bool, reason: String?) {
        switch pairing {
        case .paired: return (true, nil)
        case .unpaired: return (false, nil)
        case .auto:
            let rule = pairsPay(pairs)
            return (rule.paired, "auto pairing: " + rule.reason)
        }
    }

    /// (max − min) / median of the positive finite values; 0 for fewer than two.
    static func relativeRange(_ values: [Double]) -> Double {
        let v = values.filter { $0.isFinite && $0 > 0 }
        guard v.count >= 2, let lo = v.min(), let hi = v.max(), let m = Statistics.median(v), m > 0 else { return 0 }
        return (hi - lo) / m
    }

    /// Pearson correlation of log base and log candidate over the pairs; nil when
    /// the pairs are identical on both sides (no variance to correlate), 0 when one
    /// side alone has none.
    static func logCorrelation(_ pairs: [(Double, Double)]) -> Double? {
        let p = pairs.filter { $0.0 > 0 && $0.1 > 0 && $0.0.isFinite && $0.1.isFinite }.map { (log($0.0), log($0.1)) }
        guard p.count >= 2 else { return 0 }
        if p.allSatisfy({ $0.0 == $0.1 }) { return nil }
        let mb = p.map(\.0).reduce(0, +) / Double(p.count), mc = p.map(\.1).reduce(0, +) / Double(p.count)
        var sbb = 0.0, scc = 0.0, sbc = 0.0
        for (x, y) in p {
            sbb += (x - mb) * (x - mb)
            scc += (y - mc) * (y - mc)
            sbc += (x - mb) * (y - mc)
        }
        guard sbb > 0, scc > 0 else { return 0 }
        return sbc / (sbb * scc).squareRoot()
    }
}
