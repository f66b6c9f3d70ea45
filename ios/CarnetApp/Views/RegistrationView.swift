// Registering a new customer: the card handed to her, her name and contact, her address. The
// core's refusal shows under the field at fault; "Already a customer?" lists who she may be.

import CarnetFFI
import CarnetModel
import SwiftUI

struct RegistrationView: View {
    @Bindable var model: RegistrationModel
    let formatting: Formatting

    var body: some View {
        Form {
            Section("Loyalty card") {
                if model.cardScanned {
                    LabeledContent("Card number") { Text(verbatim: model.cardNumber) }
                } else {
                    TextField("Card number", text: $model.cardNumber)
                        .keyboardType(.numberPad)
                }
                if let error = model.cardError {
                    NoticeView(notice: error)
                }
            }
            Section("Customer") {
                ForEach(RegistrationModel.fields, id: \.self) { field in
                    VStack(alignment: .leading, spacing: 4) {
                        TextField(field.title, text: Binding(draftOf: field, in: $model.drafts))
                            .textInputAutocapitalization(field.capitalization)
                            .keyboardType(field.keyboard)
                            .autocorrectionDisabled()
                            .frame(minHeight: 44)
                        if let error = model.errors[field] {
                            NoticeView(notice: error)
                            if let suggestion = model.suggestedValue(field) {
                                Button("Did you mean \(suggestion)?") { model.acceptSuggestion(field) }
                                    .frame(minHeight: 44)
                            }
                        }
                    }
                }
            }
            if !model.duplicates.isEmpty {
                Section("Already a customer?") {
                    ForEach(model.duplicates, id: \.customer.id) { hint in
                        Button {
                            model.open(hint)
                        } label: {
                            DuplicateLabel(hint: hint, formatting: formatting)
                        }
                    }
                }
            }
            Section("Address") {
                TextField("Street", text: $model.line1)
                TextField("Postal code", text: $model.postalCode).keyboardType(.numbersAndPunctuation)
                TextField("City", text: $model.city)
                if let error = model.addressError {
                    NoticeView(notice: error)
                }
            }
            Section {
                if let notice = model.notice {
                    NoticeView(notice: notice)
                }
                Button("Register") { model.register() }
                    .buttonStyle(BigButtonStyle())
                    .listRowInsets(EdgeInsets())
            }
        }
        .privacySensitive()
        .navigationTitle("New customer")
    }
}

/// An existing customer she may be, and why the core thinks so.
private struct DuplicateLabel: View {
    let hint: DuplicateHint
    let formatting: Formatting

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            CustomerMatchLabel(match: hint.customer)
            Text(verbatim: hint.reasons.map { formatting.phrase($0).text() }.joined(separator: " · "))
                .font(.footnote)
        }
        .frame(minHeight: 44)
        .accessibilityElement(children: .combine)
        .accessibilityHint(Text("Opens her card instead of registering"))
    }
}
