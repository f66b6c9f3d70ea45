// Her consents as the form asks them: the core's consent form (`consentForm(recorded:)`), every
// choice in its order, each answered by her recorded decision or not asked yet. Which choices
// exist, how they are answered and what a decision means are the core's; here only what the
// views need to list and bind them.

import CarnetFFI
import Foundation

extension ConsentRow {
    /// Tells the rows apart in a list: purpose and channel.
    public var id: String { "\(purpose)/\(channel)" }

    /// Her recorded answer as yes or no, for a picker; nil when she has not been asked.
    public var granted: Bool? { recorded?.granted }
}
