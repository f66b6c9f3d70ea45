// expect: main actor-isolated property 'name' can not be referenced from a Sendable closure
// Binding(get:set:) takes @Sendable closures, which are not on the main actor: they cannot
// read a main-actor model's state (bind through the model's own binding instead).
import SwiftUI

@MainActor final class Draft {
    var name = ""
}

@MainActor func nameBinding(_ draft: Draft) -> Binding<String> {
    Binding(get: { draft.name }, set: { draft.name = $0 })
}
