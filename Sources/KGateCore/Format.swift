import Foundation

/// Number formatting shared by the gate's reasons and the reports (locale-free).
public enum Format {
    /// 0.0312 → "+3.12 %", -0.03 → "-3.00 %"; infinities → "-∞"/"+∞".
    public static func percent(_ x: Double, signed: Bool = true, digits: Int = 2) -> String {
        if x.isNaN { return "n/a" }
        if x.isInfinite { return x < 0 ? "-∞" : "+∞" }
        let body = String(format: "%.\(digits)f %%", abs(x * 100))
        if !signed { return body }
        let rounded = String(format: "%.\(digits)f", abs(x * 100))
        let isZero = Double(rounded) == 0
        return (x < 0 && !isZero ? "-" : (isZero ? "" : "+")) + body
    }

    /// 0.99857 → "99.86 %".
    public static func level(_ x: Double) -> String { String(format: "%.2f %%", x * 100) }

    /// p-values: 3 significant digits, scientific below 0.001.
    public static func pValue(_ p: Double) -> String {
        p < 0.001 ? String(format: "%.2e", p) : String(format: "%.4f", p)
    }

    /// A measurement, never with exactly three decimals nor a thousands separator
    /// (either reads as a thousands group in half of Europe: "15.500", "1,234"):
    /// integers and values from 1000 up as plain integers ("1234"), from 100 one
    /// decimal ("427.1"), from 1 two ("2.58"), below 1 four ("0.0312").
    /// `quantity(_:unit:)` scales to a readable unit first.
    public static func number(_ x: Double) -> String {
        if !x.isFinite { return x.isNaN ? "n/a" : (x < 0 ? "-∞" : "∞") }
        if (x == x.rounded() || abs(x) >= 1000) && abs(x) < 1e15 {
            return (x < 0 && x.rounded() != 0 ? "-" : "") + String(Int64(abs(x).rounded()))
        }
        func decimals(_ v: Double) -> Int { abs(v) >= 100 ? 1 : abs(v) >= 1 ? 2 : 4 }
        let text = String(format: "%.\(decimals(x))f", x)
        // Rounding can cross a boundary (999.96 → "1000.0"): show what it became by its own rule.
        if let shown = Double(text), shown != 0, decimals(shown) != decimals(x) || shown == shown.rounded() {
            return number(shown)
        }
        return text
    }
}

/// Human units for reports and terminal output. Samples keep their exact value
/// and base unit (bit/s, us) in the store and in JSON; only the text scales.
extension Format {
    /// The unit a value is shown in and the divisor from the base unit:
    /// bit/s scales to kbit/s, Mbit/s or Gbit/s by `magnitude`; us shows as µs.
    public static func scale(unit: String, magnitude: Double) -> (divisor: Double, label: String) {
        switch unit {
        case "bit/s":
            let m = abs(magnitude)
            if m >= 1e9 { return (1e9, "Gbit/s") }
            if m >= 1e6 { return (1e6, "Mbit/s") }
            if m >= 1e3 { return (1e3, "kbit/s") }
            return (1, "bit/s")
        case "us": return (1, "µs")
        default: return (1, unit)
        }
    }

    /// A value with its unit, scaled: 13_885_804_300 bit/s → "13.89 Gbit/s",
    /// 48.287 us → "48.29 µs"; no unit → the number alone.
    public static func quantity(_ x: Double, unit: String) -> String {
        let (divisor, label) = scale(unit: unit, magnitude: x)
        let number = number(x / divisor)
        return label.isEmpty ? number : "\(number) \(label)"
    }
}
