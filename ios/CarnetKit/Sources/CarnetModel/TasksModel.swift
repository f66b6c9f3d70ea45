// The client book's tasks: hers, or the store's group tasks, as the core lists them (overdue,
// today, upcoming, done); taking, completing, snoozing and dismissing are the core's edits,
// shown at once and pushed with the next sync.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class TasksModel {
    private unowned let app: AppModel
    /// Whose tasks are listed.
    public var scope: TaskScope = .mine {
        didSet { load() }
    }
    /// The lists, once read.
    public private(set) var lists: TaskLists?
    /// Why the last read or edit failed (another advisor took the task, a bad reason…).
    public private(set) var notice: Notice?
    /// Tasks per list.
    public var limit: UInt32 = 100
    /// How long "snooze" puts a task off.
    public var snoozeDays = 7

    init(app: AppModel) {
        self.app = app
    }

    /// Reads the lists again.
    public func load() {
        do {
            lists = try app.handheld.tasks(scope: scope, limit: limit)
            notice = nil
        } catch {
            lists = nil
            notice = app.report(error)
        }
    }

    /// Which list a task is in.
    public enum List: Hashable, Sendable, CaseIterable {
        case overdue, today, upcoming, done
    }

    /// The lists in the order shown, empty ones left out.
    public var sections: [(list: List, tasks: [ClientTask])] {
        guard let lists else { return [] }
        let all: [(List, [ClientTask])] = [(.overdue, lists.overdue), (.today, lists.today),
                                           (.upcoming, lists.upcoming), (.done, lists.done)]
        return all.filter { !$0.1.isEmpty }
    }

    /// Whether she may take `task`: a group task nobody has yet.
    public func canTake(_ task: ClientTask) -> Bool {
        guard task.advisorId == nil else { return false }
        if case .open = task.progress { return true }
        return false
    }

    public func take(_ task: ClientTask) { act(task, .take) }
    public func complete(_ task: ClientTask) { act(task, .done) }

    /// Puts `task` off by `snoozeDays` from `today` (the device's day).
    public func snooze(_ task: ClientTask, today: Date = .now) {
        let until = Calendar(identifier: .gregorian).date(byAdding: .day, value: snoozeDays, to: today) ?? today
        act(task, .snooze(until: Formatting.isoDay(until, calendar: .current)))
    }

    /// Logs a call to the task's customer with how it went; one that reached her completes the
    /// task. The core refuses it without her consent to calls or within the quiet period.
    public func call(_ task: ClientTask, _ outcome: CallOutcome) {
        do {
            _ = try app.handheld.logCall(customerId: task.customer.id, taskId: task.id, outcome: outcome)
            load()
        } catch {
            notice = app.report(error)
        }
    }

    /// A message being written for a task: the core's draft, as she edits it.
    public struct Writing: Sendable {
        public let task: ClientTask
        public let draft: MessageDraft
        public var subject: String
        public var body: String
    }

    /// The message being written, if any.
    public var writing: Writing?

    /// Whether a message is being written (setting false drops it).
    public var isWriting: Bool {
        get { writing != nil }
        set { if !newValue { writing = nil } }
    }

    /// The subject of the e-mail being written.
    public var writingSubject: String {
        get { writing?.subject ?? "" }
        set { writing?.subject = newValue }
    }

    /// The text of the message being written.
    public var writingBody: String {
        get { writing?.body ?? "" }
        set { writing?.body = newValue }
    }

    /// Starts a message to the task's customer on `channel`: the core drafts it from the
    /// task's template in her language.
    public func write(_ task: ClientTask, on channel: MessageChannel) {
        do {
            let draft = try app.handheld.draftMessage(
                customerId: task.customer.id, channel: channel, taskId: task.id, productIds: [])
            writing = Writing(task: task, draft: draft, subject: draft.text.subject ?? "",
                              body: draft.text.body)
            notice = nil
        } catch {
            notice = app.report(error)
        }
    }

    /// Sends the message as she edited it; the server sends it after the next sync, and it
    /// completes the task. Kept open with the core's reason when refused.
    public func send() {
        guard let writing else { return }
        let subject = writing.draft.channel == .email ? writing.subject : nil
        do {
            _ = try app.handheld.sendMessage(
                customerId: writing.task.customer.id, taskId: writing.task.id,
                channel: writing.draft.channel,
                text: MessageText(subject: subject, body: writing.body),
                productIds: writing.draft.productIds)
            self.writing = nil
            load()
        } catch {
            notice = app.report(error)
        }
    }

    /// Drops `task` with her reason (the core refuses an empty one).
    public func dismiss(_ task: ClientTask, reason: String) {
        act(task, .dismiss(reason: reason))
    }

    private func act(_ task: ClientTask, _ action: TaskAction) {
        do {
            _ = try app.handheld.actOnTask(taskId: task.id, action: action)
            load()
        } catch {
            notice = app.report(error)
        }
    }

    /// Opens the customer a task is about.
    public func open(_ task: ClientTask) {
        app.openCustomer(id: task.customer.id)
    }
}
