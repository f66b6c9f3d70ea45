// A customer: her card with her visit forecast and consents (every one the core asks about, a
// link to ask those not asked yet), history (searchable), playlist with like / doesn't like and
// reasons (and a wish for later), what she is due to buy again, her offers, the advisors'
// notes with her wish list and her contacts, her appointments and booking one. Every figure is
// the core's.

import CarnetFFI
import CarnetModel
import SwiftUI

struct CustomerView: View {
    let app: AppModel
    @Bindable var model: CustomerModel

    var body: some View {
        VStack(spacing: 0) {
            Picker("Section", selection: $model.tab) {
                Text("Card").tag(CustomerTab.card)
                Text("History").tag(CustomerTab.history)
                Text("For her").tag(CustomerTab.playlist)
                Text("Again").tag(CustomerTab.repurchase)
                Text("Offers").tag(CustomerTab.offers)
                Text("Notes").tag(CustomerTab.notes)
                Text("Appointments").tag(CustomerTab.appointments)
            }
            .pickerStyle(.segmented)
            .padding(.horizontal)
            if let notice = model.notice {
                NoticeView(notice: notice).padding()
            }
            switch model.tab {
            case .card: CardTab(model: model, formatting: app.formatting)
            case .history: HistoryTab(history: model.history, currency: model.card?.currency, formatting: app.formatting)
            case .playlist: PlaylistTab(playlist: model.playlist, notes: model.notes, formatting: app.formatting)
            case .repurchase: RepurchaseTab(repurchase: model.repurchase, formatting: app.formatting)
            case .offers: OffersTab(offers: model.offers, formatting: app.formatting)
            case .notes: NotesTab(notes: model.notes, formatting: app.formatting)
            case .appointments: BookingTab(model: model.appointments, formatting: app.formatting)
            }
        }
        .privacySensitive()
        .navigationTitle(Text(verbatim: model.displayName))
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            NavigationLink(value: Route.contactEdit(customerId: model.id)) {
                Label("Edit contact", systemImage: "square.and.pencil")
            }
        }
        .task { model.load() }
    }
}

private struct CardTab: View {
    let model: CustomerModel
    let formatting: Formatting

    var body: some View {
        List {
            if let card = model.card {
                Section {
                    LabeledContent("Tier", value: card.tier)
                    LabeledContent("Points", value: formatting.points(card.points))
                    LabeledContent("Spent", value: formatting.money(minor: card.totalSpendCents, currency: card.currency))
                    LabeledContent("Average basket", value: formatting.money(minor: card.averageBasketCents, currency: card.currency))
                    LabeledContent("Visits", value: "\(card.receipts)")
                    if let last = card.lastVisit {
                        LabeledContent("Last visit", value: formatting.day(last))
                    }
                    LabeledContent("Member since", value: formatting.day(card.memberSince))
                    if card.earlierRateLines > 0 {
                        Text("\(String(card.earlierRateLines)) purchases abroad converted at an earlier day’s rate")
                            .font(.footnote)
                    }
                    if card.unconvertedLines > 0 {
                        Text("\(String(card.unconvertedLines)) purchases abroad wait for an exchange rate")
                            .font(.footnote)
                    }
                }
                Section("Next visits") {
                    if let forecast = model.forecast {
                        LabeledContent("Still a customer") {
                            formatting.phrase(forecast.activity).localized
                        }
                        LabeledContent("Purchases expected in 30 days", value: formatting.estimate(forecast.expected30Days))
                        LabeledContent("Purchases expected in 90 days", value: formatting.estimate(forecast.expected90Days))
                        if let band = forecast.value {
                            LabeledContent("She may spend in a year",
                                           value: "\(formatting.money(cents: band.lowCents)) – \(formatting.money(cents: band.highCents))")
                        }
                    } else if let withheld = model.forecastWithheld {
                        formatting.phrase(withheld).localized.foregroundStyle(.secondary)
                    } else {
                        Text("Too little history for a forecast yet.").foregroundStyle(.secondary)
                    }
                }
                Section("She buys") {
                    ForEach(card.topCategories, id: \.id) { share in
                        LabeledContent(share.name, value: "\(share.lines)")
                    }
                    ForEach(card.topBrands, id: \.id) { share in
                        LabeledContent(share.name, value: "\(share.lines)")
                    }
                }
                Section("Contact") {
                    if let email = card.contact.email { Text(verbatim: email) }
                    if let phone = card.contact.phone { Text(verbatim: phone) }
                    Text(verbatim: "\(card.contact.line1), \(card.contact.postalCode) \(card.contact.city)")
                }
                Section("Consents") {
                    NavigationLink(value: Route.consents(customerId: model.id)) {
                        if model.hasConsentsToAsk {
                            Label("Ask for her consents", systemImage: "checklist")
                        } else {
                            Label("Change her consents", systemImage: "checklist")
                        }
                    }
                    .frame(minHeight: 44)
                    ForEach(model.consents, id: \.id) { row in
                        ConsentSummary(row: row, formatting: formatting)
                    }
                }
            }
        }
    }
}

private struct HistoryTab: View {
    @Bindable var history: HistoryModel
    /// Her figures' currency (her home store's), once her card is read.
    let currency: String?
    let formatting: Formatting

    var body: some View {
        List {
            if let notice = history.notice {
                NoticeView(notice: notice)
            }
            ForEach(history.lines, id: \.id) { line in
                VStack(alignment: .leading, spacing: 4) {
                    Text(verbatim: line.productName).font(.headline)
                    Text(verbatim: [line.brandName, line.shade, line.size].compactMap { $0 }.joined(separator: " · "))
                        .font(.subheadline)
                    HStack {
                        Text(verbatim: formatting.epochDay(line.boughtAt))
                        Text(verbatim: line.storeName)
                        SaleKindLabel(channel: line.channel, returned: line.returnOf != nil)
                        Spacer()
                        Text(verbatim: formatting.money(minor: line.paidMinor, currency: line.paidCurrency))
                    }
                    .font(.footnote).foregroundStyle(.secondary)
                    if let currency, line.paidCurrency != currency {
                        ConvertedAmount(line: line, currency: currency, formatting: formatting)
                            .font(.footnote)
                    }
                }
                .swipeActions {
                    Button { history.setGift(line, gift: !line.gift) } label: {
                        line.gift ? Text("Not a gift") : Text("Gift")
                    }
                }
                .accessibilityHint(line.gift ? Text("Bought as a gift") : Text(""))
            }
            if history.hasMore {
                Button("More") { history.loadMore() }
            }
        }
        .searchable(text: $history.text, prompt: Text("Product, shade, brand"))
        .onChange(of: history.text) { history.load() }
        .task { history.load() }
    }
}

private struct PlaylistTab: View {
    let playlist: PlaylistModel
    let notes: NotesModel
    let formatting: Formatting

    var body: some View {
        List {
            if let notice = playlist.notice {
                NoticeView(notice: notice)
            }
            if let withheld = playlist.withheld {
                formatting.phrase(withheld).localized
            }
            ForEach(playlist.suggestions, id: \.productId) { suggestion in
                VStack(alignment: .leading, spacing: 8) {
                    Text(verbatim: suggestion.name).font(.headline)
                    Text(verbatim: "\(suggestion.brand) · \(formatting.money(cents: suggestion.priceCents))")
                        .font(.subheadline)
                    formatting.phrase(suggestion.reason).localized
                        .font(.footnote).foregroundStyle(.secondary)
                    ForEach(suggestion.offers, id: \.self) { offer in
                        Label { Text(verbatim: offer) } icon: { Image(systemName: "tag") }.font(.footnote)
                    }
                    HStack(spacing: 12) {
                        Button { playlist.like(suggestion) } label: {
                            Label("She likes it", systemImage: "hand.thumbsup")
                        }
                        Button { playlist.dislike(suggestion) } label: {
                            Label("Not for her", systemImage: "hand.thumbsdown")
                        }
                        Button { notes.addWish(productId: suggestion.productId) } label: {
                            Label("She wants it later", systemImage: "star")
                        }
                    }
                    .buttonStyle(BigButtonStyle(prominent: false))
                }
                .padding(.vertical, 4)
            }
        }
        .task { playlist.load() }
    }
}

private struct RepurchaseTab: View {
    let repurchase: RepurchaseModel
    let formatting: Formatting

    var body: some View {
        List {
            if let notice = repurchase.notice {
                NoticeView(notice: notice)
            }
            if let withheld = repurchase.withheld {
                formatting.phrase(withheld).localized
            }
            ForEach(repurchase.items, id: \.productId) { item in
                VStack(alignment: .leading, spacing: 4) {
                    Text(verbatim: item.name).font(.headline)
                    Text(verbatim: item.brand).font(.subheadline)
                    formatting.phrase(dueInDays: item.daysUntilDue, dueOn: item.dueOn)
                        .localized.font(.footnote)
                    ForEach(item.offers, id: \.self) { offer in
                        Label { Text(verbatim: offer) } icon: { Image(systemName: "tag") }.font(.footnote)
                    }
                }
                .accessibilityElement(children: .combine)
            }
        }
        .task { repurchase.load() }
    }
}

private struct OffersTab: View {
    let offers: [ActiveOffer]
    let formatting: Formatting

    var body: some View {
        List(offers, id: \.id) { offer in
            VStack(alignment: .leading, spacing: 4) {
                Text(verbatim: offer.title).font(.headline)
                Text("Until \(formatting.day(offer.validTo)) (\(offer.daysLeft) days left)")
                    .font(.footnote).foregroundStyle(.secondary)
            }
            .accessibilityElement(children: .combine)
        }
        .overlay {
            if offers.isEmpty {
                ContentUnavailableView("No active offer", systemImage: "tag.slash")
            }
        }
    }
}

/// The advisors' notes on her, and a new one: words the core flags are shown as a warning
/// first, and "Save anyway" saves.
private struct NotesTab: View {
    @Bindable var notes: NotesModel
    let formatting: Formatting

    var body: some View {
        List {
            Section("New note") {
                TextField("Prefers a call after 6 pm…", text: $notes.draft)
                if !notes.flagged.isEmpty {
                    Text("This may be health, religion or other special-category data: it needs her explicit consent.")
                        .foregroundStyle(.red)
                    Text(verbatim: notes.flagged.map(\.word).joined(separator: ", ")).font(.footnote)
                }
                Button(notes.flagged.isEmpty ? LocalizedStringKey("Save the note") : LocalizedStringKey("Save anyway")) {
                    notes.save()
                }
                    .disabled(notes.draft.trimmingCharacters(in: .whitespaces).isEmpty)
            }
            if let notice = notes.notice {
                NoticeView(notice: notice)
            }
            ForEach(notes.notes, id: \.id) { note in
                VStack(alignment: .leading, spacing: 4) {
                    Text(verbatim: note.text)
                    Text(verbatim: "\(note.advisorName ?? note.advisorId ?? "") · \(formatting.instant(note.writtenAt))")
                        .font(.footnote).foregroundStyle(.secondary)
                }
                .swipeActions {
                    Button("Delete") { notes.delete(note) }
                }
            }
            if !notes.wishes.isEmpty {
                Section("Wish list") {
                    ForEach(notes.wishes, id: \.id) { wish in
                        VStack(alignment: .leading, spacing: 4) {
                            Text(verbatim: wish.productName)
                            if let launch = wish.launchOn {
                                Text("Launches on \(formatting.day(launch))").font(.footnote)
                            }
                            if let note = wish.note {
                                Text(verbatim: note).font(.footnote).foregroundStyle(.secondary)
                            }
                        }
                        .swipeActions {
                            Button("Remove") { notes.removeWish(wish) }
                        }
                    }
                }
            }
            if !notes.timeline.isEmpty {
                Section("Timeline") {
                    ForEach(Array(notes.timeline.enumerated()), id: \.offset) { _, event in
                        switch event {
                        case .contact(let outreach):
                            ContactRow(outreach: outreach, formatting: formatting)
                        case .appointment(let appointment):
                            BookingLine(
                                appointment: appointment,
                                service: notes.services.name(of: appointment.serviceId, language: formatting.languageCode),
                                when: formatting.dateTime(appointment.start, zone: notes.timeZone))
                        case .purchase(let purchase):
                            PurchaseRow(
                                purchase: purchase,
                                amount: formatting.money(minor: purchase.amountMinor, currency: purchase.currency),
                                when: formatting.dateTime(purchase.at, zone: notes.timeZone))
                        case .consent(let consent):
                            VStack(alignment: .leading, spacing: 4) {
                                formatting.phrase(consentChannel: consent.channel, purpose: consent.purpose).localized
                                (consent.granted ? Text("Yes") : Text("No")).font(.footnote)
                                formatting.phrase(recorded: consent).localized
                                    .font(.footnote).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
        }
        .task { notes.load() }
    }
}

/// A contact with her: when, who and how, with a message's text and where sending stands, or
/// how a call went.
private struct ContactRow: View {
    let outreach: OutreachEntry
    let formatting: Formatting

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            if let message = outreach.message {
                Text(verbatim: message.subject ?? message.body)
            }
            Text(verbatim: "\(outreach.channel) · \(outreach.advisorId ?? "") · \(formatting.instant(outreach.at))")
                .font(.footnote).foregroundStyle(.secondary)
            if let delivery = outreach.delivery {
                DeliveryText(delivery: delivery).font(.footnote)
            } else if let outcome = outreach.outcome {
                switch outcome {
                case .reached: Text("Called: reached her").font(.footnote)
                case .noAnswer: Text("Called: no answer").font(.footnote)
                case .voicemail: Text("Called: left a voicemail").font(.footnote)
                case .wrongNumber: Text("Called: wrong number").font(.footnote)
                }
            }
        }
    }
}

/// A receipt or an order on her timeline: where, what it came to, how it was made, when.
private struct PurchaseRow: View {
    let purchase: TimelinePurchase
    let amount: String
    let when: String

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: "\(purchase.storeName ?? purchase.storeId) · \(amount)")
            HStack {
                SaleKindLabel(channel: purchase.channel, returned: purchase.returned, namesTill: true)
                Text("\(String(purchase.lines)) items")
            }
            .font(.footnote)
            Text(verbatim: when).font(.footnote).foregroundStyle(.secondary)
        }
    }
}

/// A booking on her timeline: what, when, where it stands.
private struct BookingLine: View {
    let appointment: Appointment
    let service: String
    let when: String

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: service)
            Text(verbatim: when).font(.footnote).foregroundStyle(.secondary)
            Text(appointment.status.label).font(.footnote)
        }
    }
}

/// Where sending a message stands.
private struct DeliveryText: View {
    let delivery: Delivery

    /// The provider's answer, when it refused.
    private var error: String { delivery.error ?? "" }

    var body: some View {
        switch delivery.state {
        case .pending where delivery.attempts == 0: Text("Waiting to be sent")
        case .pending: Text("Not sent yet, tried \(Int(delivery.attempts)) times")
        case .sent: Text("Sent")
        case .failed: Text("Could not be sent: \(error)").foregroundStyle(.red)
        case .withdrawn: Text("Not sent: she withdrew her consent")
        }
    }
}

/// How a sale was made: a return, an order, or a till receipt (named only where `namesTill`:
/// the history marks the exceptions, the timeline says each).
private struct SaleKindLabel: View {
    let channel: SaleChannel
    let returned: Bool
    var namesTill = false

    var body: some View {
        if returned {
            Text("Returned")
        } else {
            switch channel {
            case .store:
                if namesTill { Text("In store") }
            case .web: Text("Web order")
            case .app: Text("App order")
            case .clickAndCollect: Text("Click & collect")
            }
        }
    }
}

/// A line paid in another currency, in hers: at the rate of its day, of an earlier day (named),
/// or not yet.
private struct ConvertedAmount: View {
    let line: HistoryLine
    let currency: String
    let formatting: Formatting

    var body: some View {
        let amount = formatting.money(minor: line.amountCents, currency: currency)
        switch line.ratesOf {
        case "none": Text("No exchange rate yet")
        case let day?: Text("\(amount) at the rate of \(formatting.day(day))")
        case nil: Text(verbatim: amount)
        }
    }
}
