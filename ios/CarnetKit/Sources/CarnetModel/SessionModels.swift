// Enrolment (the manager's QR code) and advisor sign-in: forms whose only logic is to pass what
// was typed or scanned to the core and show its answer.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class EnrolmentModel {
    private unowned let app: AppModel
    /// The store server's address, `https://…`.
    public var serverURL = ""
    /// The server certificate's SHA-256 (hex), from the QR code.
    public var certificatePin = ""
    /// The one-time enrolment code.
    public var code = ""
    /// A call is running.
    public private(set) var busy = false
    /// The last failure.
    public private(set) var notice: Notice?

    init(app: AppModel) {
        self.app = app
    }

    /// Fills the form from a scanned `carnet-enroll:?code=…&pin=…&server=…` payload (the
    /// format printed by `carnet-sync-server enrollment issue`); false if it is not one.
    @discardableResult
    public func scanned(payload: String) -> Bool {
        guard let payload = parseEnrollmentPayload(text: payload) else {
            notice = Notice(key: "This QR code is not a Carnet enrolment code.")
            return false
        }
        code = payload.code
        certificatePin = payload.certificatePin
        if let server = payload.serverUrl {
            serverURL = server
        }
        notice = nil
        return true
    }

    /// The key of the managed app configuration under which the MDM pushes the enrolment text
    /// (`carnet-enroll:?code=…&pin=…&server=…`, as the QR code carries it).
    public static let managedKey = "CarnetEnrolment"

    /// Enrols without a scan when the MDM pushed the enrolment text in the managed app
    /// configuration; the core reads it, as it reads a scanned QR code. True once enrolled; false
    /// when there is none (the form waits for a scan), when it is not a Carnet enrolment code or
    /// names no server (the form says so, or waits for the server to be typed), or when the server
    /// refuses it (the form shows why).
    @discardableResult
    public func enrolFromManagedConfiguration(_ configuration: [String: Any]?) async -> Bool {
        guard let text = configuration?[Self.managedKey] as? String, scanned(payload: text),
              !serverURL.isEmpty
        else { return false }
        await submit()
        return notice == nil
    }

    /// Enrols with the store server, then asks for a presence lease.
    public func submit() async {
        busy = true
        defer { busy = false }
        do {
            let state = try await app.handheld.enroll(
                serverUrl: serverURL, certificatePin: certificatePin, code: code)
            notice = nil
            code = ""
            app.follow(state)
            await app.checkPresence()
        } catch {
            notice = app.report(error)
        }
    }
}

@MainActor
@Observable
public final class SignInModel {
    private unowned let app: AppModel
    /// Her identifier, e.g. A042.
    public var advisorId = ""
    /// Her PIN; cleared after every attempt.
    public var pin = ""
    /// A call is running.
    public private(set) var busy = false
    /// The last failure.
    public private(set) var notice: Notice?

    init(app: AppModel) {
        self.app = app
    }

    /// Signs in; the PIN is forgotten whatever the answer.
    public func submit() async {
        busy = true
        let pin = self.pin
        self.pin = ""
        defer { busy = false }
        do {
            let state = try await app.handheld.signIn(advisorId: advisorId, pin: pin)
            notice = nil
            app.follow(state)
        } catch {
            notice = Notice(error)
            app.refresh()
        }
    }
}
