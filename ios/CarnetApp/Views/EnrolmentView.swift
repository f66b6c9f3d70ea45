// Enrolment: without a scan when the store's MDM pushed the enrolment in the managed app
// configuration; otherwise scan the QR code the store manager prints (`enrollment issue`), or
// type it.

import CarnetModel
import SwiftUI
import VisionKit

struct EnrolmentView: View {
    @State var model: EnrolmentModel
    @State private var scanning = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Button {
                        scanning = true
                    } label: {
                        Label("Scan the enrolment QR code", systemImage: "qrcode.viewfinder")
                    }
                    .buttonStyle(BigButtonStyle())
                    .disabled(!BarcodeScanner.isAvailable)
                    .accessibilityHint(Text("Opens the camera"))
                }
                Section("Or type it") {
                    TextField("Server address", text: $model.serverURL)
                        .textContentType(.URL).keyboardType(.URL)
                        .textInputAutocapitalization(.never).autocorrectionDisabled()
                    TextField("Certificate fingerprint", text: $model.certificatePin)
                        .textInputAutocapitalization(.never).autocorrectionDisabled()
                    TextField("Enrolment code", text: $model.code)
                        .textInputAutocapitalization(.characters).autocorrectionDisabled()
                }
                if let notice = model.notice {
                    NoticeView(notice: notice)
                }
                Button {
                    Task { await model.submit() }
                } label: {
                    if model.busy { ProgressView() } else { Text("Enrol this handheld") }
                }
                .buttonStyle(BigButtonStyle())
                .disabled(model.busy || model.code.isEmpty || model.serverURL.isEmpty)
            }
            .navigationTitle("Enrolment")
            .task { await model.enrolFromManagedConfiguration(ManagedAppConfiguration.current()) }
            .sheet(isPresented: $scanning) {
                BarcodeScanner(kind: .enrolment) { payload in
                    if model.scanned(payload: payload) {
                        scanning = false
                    }
                }
                .ignoresSafeArea()
            }
        }
    }
}
