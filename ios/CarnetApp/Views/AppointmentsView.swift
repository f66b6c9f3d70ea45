// Appointments: the store's day list (today first, a day back or forward), and on a customer's
// screen her bookings with a booking form (a service, then one of its free slots). A booking
// made here shows as waiting for the server until a sync confirms it; a refused one shows the
// core's reason and the free slots the server offered. Times are the store's.

import CarnetFFI
import CarnetModel
import SwiftUI

struct AppointmentsView: View {
    @Bindable var model: AppointmentsModel
    let formatting: Formatting

    var body: some View {
        List {
            Section {
                HStack {
                    Button("Previous day", systemImage: "chevron.left") { model.move(days: -1) }
                    Spacer()
                    Text(verbatim: formatting.epochDay(Int64(model.day.timeIntervalSince1970)))
                    Spacer()
                    Button("Next day", systemImage: "chevron.right") { model.move(days: 1) }
                }
            }
            if let notice = model.notice {
                NoticeView(notice: notice)
            }
            if model.appointments.isEmpty {
                Text("No appointment this day.").foregroundStyle(.secondary)
            }
            ForEach(model.appointments, id: \.id) { appointment in
                AppointmentRow(model: model, appointment: appointment, formatting: formatting, showDay: false)
            }
        }
        .navigationTitle("Appointments")
        .task { model.load() }
    }
}

/// Her bookings, and a form to book one: a service, then a free slot.
struct BookingTab: View {
    @Bindable var model: AppointmentsModel
    let formatting: Formatting

    var body: some View {
        List {
            if let notice = model.notice {
                NoticeView(notice: notice)
            }
            Section("Book") {
                ForEach(model.services, id: \.id) { service in
                    Button {
                        model.choose(service)
                    } label: {
                        HStack {
                            Text(verbatim: model.serviceName(service.id, language: language))
                            Spacer()
                            Text("\(service.durationMin) min")
                        }
                    }
                }
            }
            if let service = model.service {
                Section {
                    Text(verbatim: model.serviceName(service.id, language: language)).font(.headline)
                    if model.slots.isEmpty {
                        Text("No free slot in the next two weeks.").foregroundStyle(.secondary)
                    }
                    ForEach(model.slots.prefix(40), id: \.start) { slot in
                        Button {
                            model.book(slot)
                        } label: {
                            HStack {
                                Text(verbatim: formatting.dateTime(slot.start, zone: model.timeZone))
                                Spacer()
                                Text(verbatim: slot.advisorId)
                            }
                        }
                    }
                }
            }
            if !model.appointments.isEmpty {
                Section("Her appointments") {
                    ForEach(model.appointments, id: \.id) { appointment in
                        AppointmentRow(model: model, appointment: appointment, formatting: formatting, showDay: true)
                    }
                }
            }
        }
        .task { model.load() }
    }

    private var language: String { formatting.languageCode }
}

/// One booking: when, what, with whom, where it stands; what may be done with it.
private struct AppointmentRow: View {
    let model: AppointmentsModel
    let appointment: Appointment
    let formatting: Formatting
    let showDay: Bool

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(verbatim: when)
                Spacer()
                Text(appointment.status.label).font(.footnote).foregroundStyle(.secondary)
            }
            Text(verbatim: model.serviceName(appointment.serviceId, language: language))
            Text("With \(appointment.advisorId)").font(.footnote)
            if appointment.pending && appointment.status != .provisional {
                Text("Change waiting for the server").font(.footnote).foregroundStyle(.secondary)
            }
            if let refusal = appointment.refusal {
                NoticeView(notice: Notice(refusal))
                ForEach(appointment.offered, id: \.start) { slot in
                    Button {
                        model.take(slot, for: appointment)
                    } label: {
                        Text("Take \(formatting.dateTime(slot.start, zone: model.timeZone)) instead")
                    }
                }
            }
        }
        .swipeActions {
            if model.isOpen(appointment) {
                Button("Cancel the appointment", role: .destructive) { model.cancel(appointment) }
                Button("She came") { model.close(appointment, .done) }
                Button("She did not come") { model.close(appointment, .noShow) }
            }
        }
    }

    private var when: String {
        showDay
            ? formatting.dateTime(appointment.start, zone: model.timeZone)
            : formatting.time(appointment.start, zone: model.timeZone)
    }

    private var language: String { formatting.languageCode }
}

extension BookingStatus {
    /// Where a booking stands, in words.
    var label: LocalizedStringKey {
        switch self {
        case .provisional: "Waiting for the server"
        case .confirmed: "Confirmed"
        case .done: "She came"
        case .noShow: "She did not come"
        case .cancelled: "Cancelled"
        case .refused: "Refused"
        }
    }
}
