// Her consents as the form asks them: every choice the core lists (`consentChoices()`), in its
// order, each answered by the decision recorded on her card with the same channel and purpose,
// or not asked yet. Which choices exist and what a decision means are the core's.

import CarnetFFI
import Foundation

/// Her answer to one consent.
public enum ConsentAnswer: Equatable, Sendable {
    /// She agreed.
    case granted
    /// She refused, or withdrew an agreement.
    case refused
    /// No decision is recorded: she has not been asked yet.
    case notAsked
}

/// One consent the form asks about, with the decision on her card that answers it, if any.
public struct ConsentRow: Identifiable, Equatable, Sendable {
    /// `email`, `sms`, `post` or `phone`.
    public let channel: String
    /// `marketing` or `personalisation`.
    public let purpose: String
    /// The decision recorded on her card (when, from which source), if she was asked.
    public let recorded: ConsentState?

    public var id: String { "\(purpose)/\(channel)" }

    /// Granted, refused or withdrawn, or not asked yet.
    public var answer: ConsentAnswer {
        guard let recorded else { return .notAsked }
        return recorded.granted ? .granted : .refused
    }

    /// Her recorded answer as yes or no; nil when she has not been asked.
    public var granted: Bool? { recorded?.granted }

    /// Every choice in the core's order, each with the recorded decision of the same channel and
    /// purpose; then any recorded decision no choice asks about, so that nothing held is hidden.
    public static func rows(choices: [ConsentChoice], recorded: [ConsentState]) -> [ConsentRow] {
        var rows = choices.map { choice in
            ConsentRow(
                channel: choice.channel, purpose: choice.purpose,
                recorded: recorded.first { $0.channel == choice.channel && $0.purpose == choice.purpose })
        }
        for consent in recorded
        where !rows.contains(where: { $0.channel == consent.channel && $0.purpose == consent.purpose }) {
            rows.append(ConsentRow(channel: consent.channel, purpose: consent.purpose, recorded: consent))
        }
        return rows
    }
}
