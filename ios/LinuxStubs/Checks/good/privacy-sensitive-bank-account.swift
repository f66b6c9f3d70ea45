// From Apple's documentation of privacySensitive(_:), as published:
// https://developer.apple.com/documentation/swiftui/view/privacysensitive(_:)
// (accountNumber is the example's own property.)
import SwiftUI

struct BankAccountView: View {
    let accountNumber: String

    var body: some View {
        VStack {
            Text("Account #")

            Text(accountNumber)
                .font(.headline)
                .privacySensitive() // Hide only the account number.
        }
    }
}
