// Contact edit: each field saved on its own; the core's refusal shows under the field. Her
// consents: every one the core asks about, with her answer or "not asked yet", each set yes or
// no. The consents alone are also a screen of their own (asked right after a registration).

import CarnetFFI
import CarnetModel
import SwiftUI

struct ContactEditView: View {
    @Bindable var model: ContactEditModel
    let formatting: Formatting

    var body: some View {
        Form {
            Section("Contact") {
                ForEach(ContactEditModel.fields, id: \.self) { field in
                    VStack(alignment: .leading, spacing: 4) {
                        HStack {
                            TextField(field.title, text: Binding(draftOf: field, in: $model.drafts))
                                .textInputAutocapitalization(field.capitalization)
                                .keyboardType(field.keyboard)
                                .autocorrectionDisabled()
                                .onSubmit { model.save(field) }
                            Button("Save") { model.save(field) }
                                .frame(minWidth: 44, minHeight: 44)
                            if model.saved.contains(field) {
                                Image(systemName: "checkmark").accessibilityLabel(Text("Saved"))
                            }
                        }
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
            Section("Address") {
                TextField("Street", text: $model.line1)
                TextField("Postal code", text: $model.postalCode).keyboardType(.numbersAndPunctuation)
                TextField("City", text: $model.city)
                TextField("Country", text: $model.country).textInputAutocapitalization(.characters)
                if let error = model.addressError {
                    NoticeView(notice: error)
                }
                Button("Save the address") { model.saveAddress() }
                    .buttonStyle(BigButtonStyle(prominent: false))
            }
            ConsentsSection(model: model, formatting: formatting)
        }
        .privacySensitive()
        .navigationTitle("Edit contact")
    }
}

/// Her consents alone, to ask them (a customer just registered has been asked none).
struct ConsentsView: View {
    let model: ContactEditModel
    let formatting: Formatting

    var body: some View {
        Form {
            ConsentsSection(model: model, formatting: formatting)
        }
        .privacySensitive()
        .navigationTitle("Consents")
    }
}

/// Every consent the core asks about, her answer, and yes / no to record one.
private struct ConsentsSection: View {
    let model: ContactEditModel
    let formatting: Formatting

    var body: some View {
        Section("Consents") {
            ForEach(model.consents, id: \.id) { row in
                VStack(alignment: .leading, spacing: 8) {
                    ConsentSummary(row: row, formatting: formatting)
                    // The setter runs on the main actor, where the model lives.
                    Picker(selection: Binding(
                        get: { row.granted },
                        set: { @MainActor answer in
                            if let answer { model.record(row, granted: answer) }
                        }
                    )) {
                        Text("Yes").tag(Bool?.some(true))
                        Text("No").tag(Bool?.some(false))
                    } label: {
                        formatting.phrase(consentChannel: row.channel, purpose: row.purpose).localized
                    }
                    .pickerStyle(.segmented)
                    .labelsHidden()
                    .frame(minHeight: 44)
                }
                .padding(.vertical, 4)
            }
        }
        if let notice = model.notice {
            NoticeView(notice: notice)
        }
    }
}
