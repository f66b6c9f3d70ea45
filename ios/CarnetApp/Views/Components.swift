// Shared pieces: the notice banner, the privacy cover, big one-handed buttons, a customer found,
// the labels of contact fields, one consent and her answer.

import CarnetFFI
import CarnetModel
import SwiftUI

/// A message from the model: its catalog key, and the core's reason under it.
struct NoticeView: View {
    let notice: Notice

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            notice.phrase.localized.font(.callout.weight(.semibold))
            if let detail = notice.detail {
                Text(verbatim: detail).font(.footnote)
            }
        }
        .foregroundStyle(.red)
        .accessibilityElement(children: .combine)
    }
}

/// Covers the screen when the app is not active (app switcher, notification centre).
struct PrivacyCover: View {
    var body: some View {
        ZStack {
            Color(.systemBackground).ignoresSafeArea()
            Image(systemName: "lock.fill").font(.system(size: 64)).foregroundStyle(.secondary)
        }
        .accessibilityLabel(Text("Carnet is locked"))
    }
}

/// A full-width button at least 56 points high, for one thumb.
struct BigButtonStyle: ButtonStyle {
    var prominent = true

    func makeBody(configuration: Configuration) -> some View {
        configuration.label
            .font(.title3.weight(.semibold))
            .frame(maxWidth: .infinity, minHeight: 56)
            .foregroundStyle(prominent ? Color.white : Color.accentColor)
            .background(prominent ? Color.accentColor : Color.accentColor.opacity(0.12),
                        in: RoundedRectangle(cornerRadius: 14))
            .opacity(configuration.isPressed ? 0.7 : 1)
    }
}

extension Phrase {
    /// The phrase in the app's language.
    var localized: Text { Text(verbatim: text()) }
}

extension Binding where Value == String {
    /// The draft of one contact field of a form, "" until something is typed.
    init(draftOf field: ContactField, in drafts: Binding<[ContactField: String]>) {
        self.init(get: { drafts.wrappedValue[field] ?? "" }, set: { drafts.wrappedValue[field] = $0 })
    }
}

/// A customer found by a search or a duplicate hint: name, where she lives, tier, card's end.
struct CustomerMatchLabel: View {
    let match: CustomerMatch

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: "\(match.firstName) \(match.lastName)").font(.headline)
            Text(verbatim: "\(match.postalCode) \(match.city) · \(match.tier) · ••••\(match.cardLast4)")
                .font(.subheadline).foregroundStyle(.secondary)
        }
    }
}

extension ContactField {
    /// The field's label.
    var title: LocalizedStringKey {
        switch self {
        case .firstName: "First name"
        case .lastName: "Last name"
        case .email: "E-mail"
        case .phone: "Phone"
        case .language: "Language"
        }
    }

    /// The keyboard for typing it.
    var keyboard: UIKeyboardType {
        switch self {
        case .email: .emailAddress
        case .phone: .phonePad
        default: .default
        }
    }

    /// Capitals: words for names, none for codes and addresses.
    var capitalization: TextInputAutocapitalization {
        switch self {
        case .email, .language: .never
        default: .words
        }
    }
}

extension ConsentAnswer {
    /// The answer's label.
    var title: LocalizedStringKey {
        switch self {
        case .granted: "Granted"
        case .refused: "Refused or withdrawn"
        case .notAsked: "Not asked yet"
        }
    }

    /// Its symbol.
    var symbol: String {
        switch self {
        case .granted: return "checkmark.circle.fill"
        case .refused: return "xmark.circle"
        case .notAsked: return "questionmark.circle"
        }
    }
}

/// One consent: what it is about, her answer, and where and when she gave it.
struct ConsentSummary: View {
    let row: ConsentRow
    let formatting: Formatting

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            formatting.phrase(consentChannel: row.channel, purpose: row.purpose).localized
            Label { Text(row.answer.title) } icon: { Image(systemName: row.answer.symbol) }
                .font(.subheadline)
                .foregroundStyle(row.answer == .notAsked ? .secondary : .primary)
            if let recorded = row.recorded {
                formatting.phrase(recorded: recorded).localized
                    .font(.footnote).foregroundStyle(.secondary)
            }
        }
        .accessibilityElement(children: .combine)
    }
}
