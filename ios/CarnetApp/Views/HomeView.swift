// Home: scan a loyalty card (camera, or a scanner sled typing it) or search as-you-type (name +
// postal code, phone, e-mail), or register a new customer (also from a scanned card no one has);
// while nothing is searched, the advisor's own client book; then the customer's screens on a
// navigation stack. Toolbar: sync status, tasks, appointments, outbox, sign out.

import CarnetFFI
import CarnetModel
import SwiftUI

struct HomeView: View {
    @Bindable var app: AppModel
    @State private var scanning = false

    var body: some View {
        NavigationStack(path: $app.path) {
            LookupView(lookup: app.lookup, formatting: app.formatting, scanning: $scanning)
                .navigationTitle("Customers")
                .toolbar {
                    ToolbarItem(placement: .topBarLeading) {
                        Button("Sign out", systemImage: "rectangle.portrait.and.arrow.right") { app.signOut() }
                    }
                    ToolbarItemGroup(placement: .topBarTrailing) {
                        NavigationLink(value: Route.tasks) {
                            Label("Tasks", systemImage: "checklist")
                        }
                        NavigationLink(value: Route.appointments) {
                            Label("Appointments", systemImage: "calendar")
                        }
                        NavigationLink(value: Route.outbox) {
                            Label("Pending edits", systemImage: "tray.full")
                        }
                        NavigationLink(value: Route.sync) {
                            SyncBadge(sync: app.sync)
                        }
                    }
                }
                .navigationDestination(for: Route.self) { route in
                    switch route {
                    case .customer(let id):
                        CustomerView(app: app, model: app.customerModel(id: id))
                    case .newCustomer:
                        if let form = app.registration {
                            RegistrationView(model: form, formatting: app.formatting)
                        }
                    case .contactEdit(let id):
                        if let form = app.customerModel(id: id).contactModel() {
                            ContactEditView(model: form, formatting: app.formatting)
                        }
                    case .consents(let id):
                        if let form = app.customerModel(id: id).contactModel() {
                            ConsentsView(model: form, formatting: app.formatting)
                        }
                    case .outbox:
                        OutboxView(model: app.outboxModel(), formatting: app.formatting)
                    case .tasks:
                        TasksView(model: app.tasksModel(), formatting: app.formatting)
                    case .appointments:
                        AppointmentsView(model: app.appointmentsModel(), formatting: app.formatting)
                    case .sync:
                        SyncView(sync: app.sync, status: app.status, formatting: app.formatting)
                    }
                }
        }
        .fullScreenCover(isPresented: $scanning) {
            ZStack(alignment: .bottom) {
                BarcodeScanner(kind: .loyaltyCard) { code in
                    if app.lookup.scanned(code: code) {
                        scanning = false
                    }
                }
                .ignoresSafeArea()
                VStack {
                    if let notice = app.lookup.notice {
                        NoticeView(notice: notice).padding().background(.thinMaterial, in: .rect(cornerRadius: 12))
                    }
                    if app.lookup.unknownCard != nil {
                        Button("Register this card") {
                            scanning = false
                            app.lookup.registerUnknownCard()
                        }
                        .buttonStyle(BigButtonStyle())
                    }
                    Button("Close") { scanning = false }
                        .buttonStyle(BigButtonStyle(prominent: app.lookup.unknownCard == nil))
                }
                .padding()
            }
        }
    }
}

struct LookupView: View {
    @Bindable var lookup: LookupModel
    let formatting: Formatting
    @Binding var scanning: Bool
    /// The home screen takes the keys of a hardware keyboard or a scanner sled while the search
    /// field does not.
    @FocusState private var takesKeys: Bool

    var body: some View {
        List {
            Section {
                Button {
                    scanning = true
                } label: {
                    Label("Scan a loyalty card", systemImage: "barcode.viewfinder")
                }
                .buttonStyle(BigButtonStyle())
                .disabled(!BarcodeScanner.isAvailable)
                .listRowInsets(EdgeInsets())
                Button {
                    lookup.startRegistration()
                } label: {
                    Label("New customer", systemImage: "person.badge.plus")
                }
                .buttonStyle(BigButtonStyle(prominent: false))
                .listRowInsets(EdgeInsets())
                Picker("Search by", selection: $lookup.mode) {
                    Text("Name").tag(LookupModel.Mode.name)
                    Text("Phone").tag(LookupModel.Mode.phone)
                    Text("E-mail").tag(LookupModel.Mode.email)
                    Text("Card").tag(LookupModel.Mode.card)
                }
                .pickerStyle(.segmented)
            }
            if let notice = lookup.notice {
                NoticeView(notice: notice)
            }
            if lookup.unknownCard != nil {
                Button("Register this card") { lookup.registerUnknownCard() }
                    .buttonStyle(BigButtonStyle())
                    .listRowInsets(EdgeInsets())
            }
            ForEach(lookup.results, id: \.id) { match in
                Button {
                    lookup.open(match)
                } label: {
                    CustomerMatchLabel(match: match).frame(minHeight: 44)
                }
                .privacySensitive()
            }
            if lookup.query.isEmpty, let book = lookup.book, book.total > 0 {
                Section("My client book") {
                    ForEach(book.entries, id: \.customer.id) { client in
                        Button {
                            lookup.open(client.customer)
                        } label: {
                            VStack(alignment: .leading, spacing: 4) {
                                CustomerMatchLabel(match: client.customer)
                                if let day = client.lastVisit {
                                    LabeledContent("Last visit", value: formatting.day(day))
                                        .font(.footnote).foregroundStyle(.secondary)
                                }
                            }
                            .frame(minHeight: 44)
                        }
                        .privacySensitive()
                    }
                }
            }
        }
        .searchable(text: $lookup.query, placement: .navigationBarDrawer(displayMode: .always),
                    prompt: Text("Name and postal code, phone, e-mail or card number"))
        .autocorrectionDisabled()
        .onSubmit(of: .search) { lookup.submitted() }
        // A scanner sled types the card it reads, then Return: the model tells it from typing.
        .focusable()
        .focused($takesKeys)
        .onKeyPress(phases: .down) { press in
            lookup.keyPressed(press.key == .return ? .return : .text(press.characters)) ? .handled : .ignored
        }
        .onAppear {
            takesKeys = true
            lookup.loadBook()
        }
    }
}
