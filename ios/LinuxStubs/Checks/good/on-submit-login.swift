// From Apple's documentation of onSubmit(of:_:), as published:
// https://developer.apple.com/documentation/swiftui/view/onsubmit(of:_:)
// (The view model is the example's own, given so that it compiles.)
import SwiftUI

@MainActor final class LoginModel {
    func validate() -> Bool { true }
    func login() {}
}

struct Login: View {
    @State private var username = ""
    let viewModel: LoginModel

    var body: some View {
        TextField("Username", text: $username)
            .onSubmit {
                guard viewModel.validate() else { return }
                viewModel.login()
            }
    }
}
