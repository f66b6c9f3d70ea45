// Contact edit: each field saved on its own; the core's refusal shows under the field.

import CarnetFFI
import CarnetModel
import SwiftUI

struct ContactEditView: View {
    @Bindable var model: ContactEditModel

    var body: some View {
        Form {
            Section("Contact") {
                ForEach(ContactEditModel.fields, id: \.self) { field in
                    VStack(alignment: .leading, spacing: 4) {
                        HStack {
                            TextField(field.title, text: binding(field))
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
            Section("Consents") {
                ForEach(model.consents, id: \.self) { consent in
                    Toggle(isOn: Binding(
                        get: { consent.granted },
                        set: { model.setConsent(channel: consent.channel, purpose: consent.purpose, granted: $0) }
                    )) {
                        Text(verbatim: "\(consent.channel) · \(consent.purpose)")
                    }
                    .frame(minHeight: 44)
                }
            }
            if let notice = model.notice {
                NoticeView(notice: notice)
            }
        }
        .privacySensitive()
        .navigationTitle("Edit contact")
    }

    private func binding(_ field: ContactField) -> Binding<String> {
        Binding(get: { model.drafts[field] ?? "" }, set: { model.drafts[field] = $0 })
    }
}
