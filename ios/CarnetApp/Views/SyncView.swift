// Sync status with progress, start and cancel; the handheld's id, store and lock state; the
// outbox of edits waiting or refused.

import CarnetFFI
import CarnetModel
import SwiftUI

struct SyncBadge: View {
    let sync: SyncModel

    var body: some View {
        if sync.running {
            ProgressView().accessibilityLabel(Text("Syncing"))
        } else {
            Label("Sync", systemImage: sync.lastError == nil ? "arrow.triangle.2.circlepath" : "exclamationmark.arrow.triangle.2.circlepath")
        }
    }
}

struct SyncView: View {
    let sync: SyncModel
    let status: DeviceStatus
    let formatting: Formatting

    var body: some View {
        Form {
            Section {
                if sync.running {
                    if let fraction = sync.fraction {
                        ProgressView(value: fraction) {
                            sync.progress?.phase == .push ? Text("Sending edits") : Text("Receiving changes")
                        }
                        .accessibilityValue(Text(verbatim: formatting.percent(fraction)))
                    } else {
                        ProgressView { Text("Syncing") }
                    }
                    Button("Cancel", role: .cancel) { sync.cancel() }
                        .buttonStyle(BigButtonStyle(prominent: false))
                } else {
                    Button("Sync now") { sync.start() }
                        .buttonStyle(BigButtonStyle())
                }
            }
            if let report = sync.lastReport {
                Section("Last sync") {
                    LabeledContent("Edits sent", value: "\(report.pushed)")
                    LabeledContent("Refused", value: "\(report.rejected)")
                    LabeledContent("Changes received", value: "\(report.pulled)")
                }
            }
            if let error = sync.lastError {
                Section { NoticeView(notice: error) }
            }
            DeviceStatusSection(status: status, formatting: formatting)
        }
        .navigationTitle("Sync")
    }
}

/// Which handheld this is, its store and its lock state, as the core says: what a store
/// manager asks for to revoke or re-enrol it.
struct DeviceStatusSection: View {
    let status: DeviceStatus
    let formatting: Formatting

    var body: some View {
        Section("This handheld") {
            LabeledContent("Device", value: status.deviceId ?? "–")
            LabeledContent("Store", value: status.storeId ?? "–")
            formatting.phrase(status.state).localized
        }
    }
}

struct OutboxView: View {
    let model: OutboxModel
    let formatting: Formatting

    var body: some View {
        List(model.entries, id: \.seq) { entry in
            VStack(alignment: .leading, spacing: 4) {
                Text(verbatim: entry.kind).font(.headline)
                if entry.rejected {
                    Text(verbatim: entry.rejectReason ?? entry.rejectCode ?? "").foregroundStyle(.red)
                    Button("Dismiss") { model.dismiss(entry) }
                } else {
                    Text("Waiting for the server").foregroundStyle(.secondary)
                }
            }
            .accessibilityElement(children: .combine)
        }
        .navigationTitle("Pending edits")
        .task { model.load() }
    }
}
