// From Apple's documentation of focused(_:), as published:
// https://developer.apple.com/documentation/swiftui/view/focused(_:)
// (The enclosing view and isUserNameAvailable(username:) are the example's own.)
import SwiftUI

func isUserNameAvailable(username: String) -> Bool { !username.isEmpty }

struct ChooseUsername: View {
    @State private var username: String = ""
    @FocusState private var usernameFieldIsFocused: Bool
    @State private var showUsernameTaken = false

    var body: some View {
        VStack {
            TextField("Choose a username.", text: $username)
                .focused($usernameFieldIsFocused)
            if showUsernameTaken {
                Text("That username is taken. Please choose another.")
            }
            Button("Submit") {
                showUsernameTaken = false
                if !isUserNameAvailable(username: username) {
                    usernameFieldIsFocused = true
                    showUsernameTaken = true
                }
            }
        }
    }
}
