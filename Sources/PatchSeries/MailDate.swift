import Foundation

/// RFC 2822 dates: `[Day, ] D Mon YYYY HH:MM[:SS] (+|-)HHMM [(comment)]`,
/// plus the obsolete zones (UT, GMT, EST…, military) and two-digit years.
enum MailDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
        "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
    ]

    /// (instant, minutes east of UTC) or nil when the text is not a date.
    static func parse(_ raw: String) -> (Date, Int)? {
        var text = raw
        if let paren = text.firstIndex(of: "(") { text = String(text[..<paren]) }
        var tokens = text.replacingOccurrences(of: ",", with: " ").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .map(String.init)
        if let first = tokens.first, first.count >= 3, first.allSatisfy(\.isLetter) { tokens.removeFirst() }
        guard tokens.count >= 4, let day = Int(tokens[0]), (1...31).contains(day) else { return nil }
        guard let month = months.firstIndex(of: String(tokens[1].prefix(3)).lowercased()) else { return nil }
        guard var year = Int(tokens[2]) else { return nil }
        if tokens[2].count == 2 { year += year < 50 ? 2000 : 1900 } else if tokens[2].count == 3 { year += 1900 }
        let time = tokens[3].split(separator: ":").map { Int($0) }
        guard time.count == 2 || time.count == 3, time.allSatisfy({ $0 != nil }) else { return nil }
        let hour = time[0] ?? -1, minute = time[1] ?? -1, second = time.count == 3 ? (time[2] ?? -1) : 0
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        var offset = 0
        if tokens.count >= 5 {
            let zone = tokens[4]
            if let sign = zone.first, sign == "+" || sign == "-", zone.count == 5, let hhmm = Int(zone.dropFirst()) {
                let minutes = (hhmm / 100) * 60 + hhmm % 100
                guard hhmm % 100 < 60, minutes <= 24 * 60 else { return nil }
                offset = sign == "-" ? -minutes : minutes
            } else if let known = zones[zone.lowercased()] {
                offset = known
            } else if zone.count == 1, zone.first?.isLetter == true {
                offset = 0 // military zones: RFC 2822 says treat as -0000
            } else {
                return nil
            }
        }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        let local = Double(days) * 86400 + Double(hour * 3600 + minute * 60 + second)
        return (Date(timeIntervalSince1970: local - Double(offset * 60)), offset)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
