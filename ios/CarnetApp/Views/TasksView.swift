// The client book's tasks: hers or the store's group tasks, overdue first; each row says whom,
// why and when, and offers what she may do (take a group task, call, write an e-mail or SMS
// from the core's draft, done, snooze a week, dismiss with a reason). Everything listed,
// drafted and refused is the core's.

import CarnetFFI
import CarnetModel
import SwiftUI

struct TasksView: View {
    @Bindable var model: TasksModel
    let formatting: Formatting
    /// The task being dismissed, while she types why.
    @State private var dismissing: ClientTask?
    @State private var askingWhy = false
    @State private var reason = ""

    var body: some View {
        List {
            Section {
                Picker("Tasks", selection: $model.scope) {
                    Text("Mine").tag(TaskScope.mine)
                    Text("The store's").tag(TaskScope.store)
                }
                .pickerStyle(.segmented)
            }
            if let notice = model.notice {
                NoticeView(notice: notice)
            }
            ForEach(model.sections, id: \.list) { section in
                Section(title(section.list)) {
                    ForEach(section.tasks, id: \.id) { task in
                        TaskRow(task: task, formatting: formatting) { model.open(task) }
                            .swipeActions {
                                if model.canTake(task) {
                                    Button("Take") { model.take(task) }
                                }
                                if task.channels.contains("email") {
                                    Button("E-mail") { model.write(task, on: .email) }
                                }
                                if task.channels.contains("sms") {
                                    Button("SMS") { model.write(task, on: .sms) }
                                }
                                if task.channels.contains("phone") {
                                    Button("Called: reached her") { model.call(task, .reached) }
                                    Button("Called: no answer") { model.call(task, .noAnswer) }
                                }
                                Button("Done") { model.complete(task) }
                                Button("Snooze a week") { model.snooze(task) }
                                Button("Dismiss") {
                                    reason = ""
                                    dismissing = task
                                    askingWhy = true
                                }
                            }
                    }
                }
            }
        }
        .navigationTitle("Tasks")
        .task { model.load() }
        .sheet(isPresented: $model.isWriting) {
            MessageSheet(model: model)
        }
        .sheet(isPresented: $askingWhy) {
            NavigationStack {
                Form {
                    TextField("Why dismiss it", text: $reason)
                    Button("Dismiss") {
                        if let task = dismissing { model.dismiss(task, reason: reason) }
                        askingWhy = false
                    }
                    .buttonStyle(BigButtonStyle())
                    Button("Keep it") { askingWhy = false }
                }
                .navigationTitle("Dismiss the task")
            }
        }
    }

    private func title(_ list: TasksModel.List) -> LocalizedStringKey {
        switch list {
        case .overdue: "Overdue"
        case .today: "Today"
        case .upcoming: "Upcoming"
        case .done: "Done"
        }
    }
}

/// The message being written: the core's draft in her language, edited, then sent.
private struct MessageSheet: View {
    @Bindable var model: TasksModel

    var body: some View {
        NavigationStack {
            Form {
                if let notice = model.notice {
                    NoticeView(notice: notice)
                }
                if model.writing?.draft.channel == .email {
                    TextField("Subject", text: $model.writingSubject)
                }
                TextEditor(text: $model.writingBody)
                    .frame(minHeight: 160)
                    .privacySensitive()
                Button("Send") { model.send() }
                    .buttonStyle(BigButtonStyle())
                Button("Cancel") { model.writing = nil }
            }
            .navigationTitle("Write to her")
        }
    }
}

/// One task: whom (tap opens her card), why, when, and what was done with it.
private struct TaskRow: View {
    let task: ClientTask
    let formatting: Formatting
    let open: () -> Void

    var body: some View {
        Button(action: open) {
            VStack(alignment: .leading, spacing: 4) {
                CustomerMatchLabel(match: task.customer)
                formatting.phrase(task.reason, productName: task.productName).localized
                LabeledContent("For", value: formatting.day(task.dueOn))
                    .font(.footnote).foregroundStyle(.secondary)
                if let happened = formatting.phrase(task.progress) {
                    happened.localized.font(.footnote).foregroundStyle(.secondary)
                }
            }
            .frame(minHeight: 44)
        }
        .privacySensitive()
    }
}
