// Sync status with progress: starts the core's background sync with an observer and keeps the
// returned task to cancel it (Swift's task cancellation does not reach Rust).

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class SyncModel {
    private unowned let app: AppModel
    /// A sync is running.
    public private(set) var running = false
    /// Its last progress.
    public private(set) var progress: SyncProgress?
    /// The last sync's report.
    public private(set) var lastReport: SyncReport?
    /// Why the last sync stopped, if it failed (the core's typed reason, worded).
    public private(set) var lastError: Notice?
    /// When the last sync ended.
    public private(set) var lastEnded: Date?

    @ObservationIgnored private var task: SyncTask?
    @ObservationIgnored private var waiters: [CheckedContinuation<Void, Never>] = []

    init(app: AppModel) {
        self.app = app
    }

    /// Progress in 0...1 for a progress bar; `nil` while the total is unknown.
    public var fraction: Double? {
        guard let progress, progress.total > 0 else { return nil }
        return min(1, Double(progress.done) / Double(progress.total))
    }

    /// Starts a sync unless one is running.
    public func start() {
        guard !running else { return }
        running = true
        progress = nil
        lastError = nil
        task = app.handheld.startSync(observer: SyncBridge(model: self))
    }

    /// Cancels the running sync (pages already applied are kept).
    public func cancel() {
        task?.cancel()
    }

    /// Waits until the running sync (if any) ends.
    public func waitUntilFinished() async {
        guard running else { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    fileprivate func apply(_ progress: SyncProgress) {
        guard running else { return }
        self.progress = progress
    }

    fileprivate func finish(report: SyncReport?, error: CarnetError?) {
        running = false
        task = nil
        lastReport = report ?? lastReport
        lastError = error.map { Notice($0) }
        lastEnded = Date()
        let waiting = waiters
        waiters = []
        waiting.forEach { $0.resume() }
        app.refresh()
        // What the sync brought may have changed her book.
        if report != nil, app.showsCustomerData {
            app.lookup.loadBook()
        }
    }
}

/// The core calls this on its own threads; every call hops to the main actor.
final class SyncBridge: SyncObserver {
    private let model: SyncModel

    init(model: SyncModel) {
        self.model = model
    }

    func progress(progress: SyncProgress) {
        Task { @MainActor [model] in model.apply(progress) }
    }

    func finished(report: SyncReport?, error: CarnetError?) {
        Task { @MainActor [model] in model.finish(report: report, error: error) }
    }
}
