// A scanner sled (a "keyboard wedge" clipped to the handheld) types the barcode it reads, then
// Return, far faster than a person types. This tells its keystrokes from a person's wherever they
// land on the home screen, in the search field or not; what it scanned then goes to the core as a
// camera scan does, and the core says whether it is a card.

import Foundation

/// A key from a hardware keyboard or a scanner sled.
public enum TypedKey: Equatable, Sendable {
    /// A key that types text.
    case text(String)
    /// Return, which ends a sled's scan.
    case `return`
}

/// Tells a scanner sled's keystrokes from a person's by their pace.
public struct SledReader: Sendable {
    /// Longest pause between two keys of one scan: sleds type a character every few
    /// milliseconds; no person keeps up 50 ms a key over a whole card number.
    public static let maxGap: Duration = .milliseconds(50)
    /// Fewest characters a scan has (an EAN-8 has 8; a loyalty card's EAN-13 has 13).
    public static let minLength = 8

    private var burst = ""
    private var last: ContinuousClock.Instant?

    public init() {}

    /// The key pressed at `time`. Text typed in one burst (every key at most `maxGap` after the
    /// one before) adds up; Return at the same pace after at least `minLength` characters ends a
    /// scan and returns what was scanned. A pause starts a new burst; Return after a person's
    /// typing returns nil.
    public mutating func key(_ key: TypedKey, at time: ContinuousClock.Instant) -> String? {
        let inBurst = last.map { time - $0 <= Self.maxGap } ?? false
        last = time
        switch key {
        case .text(let text):
            if !inBurst { burst = "" }
            burst += text
            return nil
        case .return:
            let scan = inBurst && burst.count >= Self.minLength ? burst : nil
            burst = ""
            last = nil
            return scan
        }
    }
}
