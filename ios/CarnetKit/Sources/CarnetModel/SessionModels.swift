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
