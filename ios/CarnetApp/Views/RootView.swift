// The root: the screen the core's device state says, nothing else.

import CarnetModel
import SwiftUI

struct RootView: View {
    @Bindable var app: AppModel

    var body: some View {
        Group {
            switch app.root {
            case .enrolment:
                EnrolmentView(model: app.enrolmentModel())
            case .signIn(let reason, let needsPresence):
                SignInView(app: app, model: app.signInModel(), reason: reason, needsPresence: needsPresence)
            case .home:
                HomeView(app: app)
            case .wiped(let reason):
                ContentUnavailableView {
                    Label("This handheld's data was erased", systemImage: "trash")
                } description: {
                    app.formatting.phrase(reason).localized
                } actions: {
                    Text("Ask your store manager to enrol it again.")
                }
            case .kioskRequired:
                ContentUnavailableView {
                    Label("Single app mode is required", systemImage: "lock.iphone")
                } description: {
                    Text("This handheld must be supervised with Carnet in single app mode. Ask your store manager.")
                }
            }
        }
        .dynamicTypeSize(...DynamicTypeSize.accessibility3)
    }
}
