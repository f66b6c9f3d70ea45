// Navigation state: which screen the advisor is on. The device state from the core decides
// which root is shown; the stack is emptied whenever the device locks.

import CarnetFFI
import Foundation

/// The root screen, from the core's device state.
public enum RootScreen: Equatable, Sendable {
    /// Scan the manager's enrolment QR code.
    case enrolment
    /// Locked (the core's reason is shown): an advisor signs in, or, when `needsPresence`, the
    /// handheld must first be able to prove it is in the store.
    case signIn(reason: LockReason, needsPresence: Bool)
    /// Unlocked: scan or search, then customers.
    case home(advisorId: String, advisorName: String?)
    /// The core destroyed its data (revoked, wiped, off the network too long).
    case wiped(reason: ShredReason)
    /// The core says single app mode is required and was refused: no customer data is shown.
    case kioskRequired
}

/// A screen pushed on the home stack.
public enum Route: Hashable, Sendable {
    /// A customer, opened from a scan or a search result.
    case customer(id: String)
    /// A new customer, to register (the form is `AppModel.registration`).
    case newCustomer
    /// Her contact details and consents, to edit.
    case contactEdit(customerId: String)
    /// Her consents alone, to ask or change (from her card, e.g. right after her registration).
    case consents(customerId: String)
    /// Edits waiting for the server, and those it refused.
    case outbox
    /// Her tasks, and the store's group tasks.
    case tasks
    /// The store's appointments, day by day.
    case appointments
    /// Sync status and progress.
    case sync
}

/// The tabs of a customer's screen.
public enum CustomerTab: String, CaseIterable, Hashable, Sendable {
    case card, history, playlist, repurchase, offers, notes, appointments
}
