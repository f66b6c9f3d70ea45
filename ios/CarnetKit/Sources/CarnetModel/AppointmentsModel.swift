// Appointments: the store's day list (today first), and booking a service for a customer from
// her card. Free slots, the booking's check, its provisional state until the server confirms
// it, and a refusal's reason with the free slots offered instead are all the core's; this
// model only keeps what is shown. Times are shown in the store's time zone.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class AppointmentsModel {
    private unowned let app: AppModel
    /// Whose bookings are listed: the store's on `day`, or one customer's.
    private let customerId: String?
    /// The store's local day listed (the day list).
    public private(set) var day: Date
    /// The bookings listed, in time order (the day list) or the latest first (hers).
    public private(set) var appointments: [Appointment] = []
    /// The store's services.
    public private(set) var services: [BookableService] = []
    /// The service being booked, and its free slots.
    public private(set) var service: BookableService?
    public private(set) var slots: [FreeSlot] = []
    /// Why the last read or edit failed (the core's typed reason).
    public private(set) var notice: Notice?
    /// The store's time zone, once read.
    public private(set) var timeZone: TimeZone?
    /// How many days ahead free slots are searched.
    public var searchDays: UInt32 = 14

    init(app: AppModel, customerId: String?, day: Date = .now) {
        self.app = app
        self.customerId = customerId
        self.day = day
    }

    /// Reads the services and the bookings again.
    public func load() {
        do {
            timeZone = TimeZone(identifier: try app.handheld.storeTimeZone())
            services = try app.handheld.services()
            if let customerId {
                appointments = try app.handheld.customerAppointments(customerId: customerId)
            } else {
                appointments = try app.handheld.dayAppointments(day: isoDay(day))
            }
            notice = nil
        } catch {
            appointments = []
            notice = app.report(error)
        }
    }

    /// The day list of the day `days` after the one shown.
    public func move(days: Int) {
        day = calendar.date(byAdding: .day, value: days, to: day) ?? day
        load()
    }

    /// A service's name in the app's language (`fr`, `it`, else English).
    public func serviceName(_ id: String, language: String) -> String {
        services.name(of: id, language: language)
    }

    /// Picks the service to book and searches its free slots for her, from now.
    public func choose(_ service: BookableService, now: Date = .now) {
        self.service = service
        do {
            slots = try app.handheld.freeSlots(
                serviceId: service.id, advisorId: nil, customerId: customerId,
                from: Int64(now.timeIntervalSince1970), days: searchDays)
            notice = nil
        } catch {
            slots = []
            notice = app.report(error)
        }
    }

    /// Books `slot` of the chosen service for her, offline; returns whether it was kept
    /// (provisional until the next sync confirms it).
    @discardableResult
    public func book(_ slot: FreeSlot) -> Bool {
        guard let customerId, let service else { return false }
        do {
            _ = try app.handheld.book(customerId: customerId, serviceId: service.id, slot: slot)
            self.service = nil
            slots = []
            load()
            return true
        } catch {
            notice = app.report(error)
            return false
        }
    }

    /// Takes a slot the server offered after refusing `appointment`: a move of a booking it
    /// had confirmed, else a new booking at that time.
    @discardableResult
    public func take(_ slot: FreeSlot, for appointment: Appointment) -> Bool {
        do {
            if appointment.status == .refused {
                _ = try app.handheld.book(customerId: appointment.customerId,
                                          serviceId: appointment.serviceId, slot: slot)
            } else {
                try app.handheld.moveAppointment(bookingId: appointment.id, slot: slot)
            }
            load()
            return true
        } catch {
            notice = app.report(error)
            return false
        }
    }

    /// Cancels a booking.
    public func cancel(_ appointment: Appointment) {
        edit { try app.handheld.cancelAppointment(bookingId: appointment.id) }
    }

    /// Marks a booking done or missed (the core refuses before its time).
    public func close(_ appointment: Appointment, _ closing: Closing) {
        edit { try app.handheld.closeAppointment(bookingId: appointment.id, closing: closing) }
    }

    /// Whether a booking may still be moved or cancelled.
    public func isOpen(_ appointment: Appointment) -> Bool {
        appointment.status == .provisional || appointment.status == .confirmed
    }

    private func edit(_ change: () throws -> Void) {
        do {
            try change()
            load()
        } catch {
            notice = app.report(error)
        }
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone ?? app.formatting.timeZone
        return calendar
    }

    private func isoDay(_ date: Date) -> String {
        Formatting.isoDay(date, calendar: calendar)
    }
}

extension Array where Element == BookableService {
    /// The name of service `id` in `language` (`fr`, `it`, else English); its id if unknown.
    public func name(of id: String, language: String) -> String {
        guard let s = first(where: { $0.id == id }) else { return id }
        switch language {
        case "fr": return s.nameFr
        case "it": return s.nameIt
        default: return s.nameEn
        }
    }
}
