// Display formatting of the ffi's plain values (cents, ISO days, epoch seconds) for one locale.
// Formatting only: every figure shown is computed by the core.

import CarnetFFI
import Foundation

/// Formats values for the advisor's locale (English, French or Italian).
public struct Formatting: Sendable {
    public let locale: Locale
    public let timeZone: TimeZone

    public init(locale: Locale = .autoupdatingCurrent, timeZone: TimeZone = .autoupdatingCurrent) {
        self.locale = locale
        self.timeZone = timeZone
    }

    /// The locale's language (`fr`, `en`, `it` …), for names the core keeps per language.
    public var languageCode: String {
        locale.language.languageCode?.identifier ?? "en"
    }

    /// Euro cents as money: `1 234,50 €` in French, `€1,234.50` in English.
    public func money(cents: Int64) -> String {
        money(minor: cents, currency: "EUR")
    }

    /// An amount in minor units of an ISO 4217 currency (cents, pence, whole yen) as money in
    /// the locale: `CHF 1’234.50` in Swiss German, `¥1,235` in American English.
    public func money(minor: Int64, currency: String) -> String {
        var amount = Decimal(minor)
        for _ in 0..<Self.minorDigits(currency) {
            amount /= 10
        }
        return amount.formatted(.currency(code: currency).locale(locale))
    }

    /// Decimal places of a currency's minor unit, from the core's ISO 4217 data (2 for a code
    /// it does not know).
    static func minorDigits(_ currency: String) -> Int {
        Int(minorUnitDigits(currency: currency) ?? 2)
    }

    /// Loyalty points with grouping.
    public func points(_ points: Int64) -> String {
        points.formatted(.number.locale(locale))
    }

    /// A `YYYY-MM-DD` day from the core, as a medium date; the raw text if it is not one.
    public func day(_ iso: String) -> String {
        guard let date = Self.parseDay(iso) else { return iso }
        var style = Date.FormatStyle(date: .abbreviated, time: .omitted).locale(locale)
        style.timeZone = TimeZone(identifier: "UTC") ?? timeZone
        return date.formatted(style)
    }

    /// Seconds since the epoch (a purchase time) as a date in the store's time zone.
    public func epochDay(_ seconds: Int64) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .omitted).locale(locale)
        style.timeZone = timeZone
        return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(style)
    }

    /// Seconds since the epoch (an appointment) as a day and time in `zone` (the store's).
    public func dateTime(_ seconds: Int64, zone: TimeZone?) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened).locale(locale)
        style.timeZone = zone ?? timeZone
        return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(style)
    }

    /// Seconds since the epoch as a time of day in `zone` (the store's).
    public func time(_ seconds: Int64, zone: TimeZone?) -> String {
        var style = Date.FormatStyle(date: .omitted, time: .shortened).locale(locale)
        style.timeZone = zone ?? timeZone
        return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(style)
    }

    /// An RFC 3339 instant from the core (when a consent was recorded) as a date in the store's
    /// time zone; the raw text if it is not one.
    public func instant(_ rfc3339: String) -> String {
        guard let date = Self.parseInstant(rfc3339) else { return rfc3339 }
        var style = Date.FormatStyle(date: .abbreviated, time: .omitted).locale(locale)
        style.timeZone = timeZone
        return date.formatted(style)
    }

    /// A figure the core estimated (expected purchases), with one decimal.
    public func estimate(_ value: Double) -> String {
        value.formatted(.number.precision(.fractionLength(1)).locale(locale))
    }

    /// A fraction in 0...1 as a whole percentage.
    public func percent(_ fraction: Double) -> String {
        fraction.formatted(.percent.precision(.fractionLength(0)).locale(locale))
    }

    static func parseInstant(_ text: String) -> Date? {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = parser.date(from: text) { return date }
        parser.formatOptions = [.withInternetDateTime]
        return parser.date(from: text)
    }

    /// `date`'s day in `calendar` as the core reads days (`YYYY-MM-DD`).
    public static func isoDay(_ date: Date, calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    static func parseDay(_ iso: String) -> Date? {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var components = DateComponents()
        components.year = parts[0]
        components.month = parts[1]
        components.day = parts[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar.date(from: components)
    }
}
