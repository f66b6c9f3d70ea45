// Lock screen and advisor sign-in. When the core needs presence first, the screen says why (the
// store network, the handheld's keys) and offers to check again. Below, which handheld this is
// and its store.

import CarnetFFI
import CarnetModel
import SwiftUI

struct SignInView: View {
    let app: AppModel
    @State var model: SignInModel
    let reason: LockReason
    let needsPresence: Bool
    @FocusState private var pinFocused: Bool

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Label {
                        app.formatting.phrase(reason).localized
                    } icon: {
                        Image(systemName: "lock.fill")
                    }
                    .accessibilityLabel(Text("Locked"))
                }
                if needsPresence {
                    Section {
                        Button("Check again") {
                            Task { await app.checkPresence() }
                        }
                        .buttonStyle(BigButtonStyle(prominent: false))
                    }
                } else {
                    Section("Advisor") {
                        TextField("Advisor ID", text: $model.advisorId)
                            .textInputAutocapitalization(.characters).autocorrectionDisabled()
                            .submitLabel(.next)
                            .onSubmit { pinFocused = true }
                        SecureField("PIN", text: $model.pin)
                            .keyboardType(.numberPad)
                            .textContentType(.oneTimeCode)
                            .focused($pinFocused)
                    }
                    if let notice = model.notice {
                        NoticeView(notice: notice)
                    }
                    Button {
                        Task { await model.submit() }
                    } label: {
                        if model.busy { ProgressView() } else { Text("Sign in") }
                    }
                    .buttonStyle(BigButtonStyle())
                    .disabled(model.busy || model.advisorId.isEmpty || model.pin.isEmpty)
                }
                DeviceStatusSection(status: app.status, formatting: app.formatting)
            }
            .navigationTitle("Carnet")
        }
    }
}
