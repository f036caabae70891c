import Foundation

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
