// From Apple's documentation of swipeActions(edge:allowsFullSwipe:content:), as published:
// https://developer.apple.com/documentation/swiftui/view/swipeactions(edge:allowsfullswipe:content:)
// (The store, its messages and MessageCell are the example's own, given so that it compiles.)
import SwiftUI

struct Message: Identifiable {
    let id: Int
    var isUnread: Bool
}

@MainActor final class MessageStore {
    var messages: [Message] = []
    func toggleUnread(_ message: Message) {}
    func delete(_ message: Message) {}
    func flag(_ message: Message) {}
}

struct MessageCell: View {
    let message: Message
    var body: some View { Text(verbatim: "\(message.id)") }
}

struct Inbox: View {
    let store: MessageStore

    var body: some View {
        List {
            ForEach(store.messages) { message in
                MessageCell(message: message)
                    .swipeActions(edge: .leading) {
                        Button { store.toggleUnread(message) } label: {
                            if message.isUnread {
                                Label("Read", systemImage: "envelope.open")
                            } else {
                                Label("Unread", systemImage: "envelope.badge")
                            }
                        }
                    }
                    .swipeActions(edge: .trailing) {
                        Button(role: .destructive) {
                            store.delete(message)
                        } label: {
                            Label("Delete", systemImage: "trash")
                        }
                        Button { store.flag(message) } label: {
                            Label("Flag", systemImage: "flag")
                        }
                    }
            }
        }
    }
}
