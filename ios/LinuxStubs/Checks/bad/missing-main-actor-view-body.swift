// expect: main actor-isolated property 'body' can not be referenced from a nonisolated context
// A view's body is main-actor isolated: it cannot be evaluated from a nonisolated function.
import SwiftUI

nonisolated func render<V: View>(_ view: V) -> V.Body {
    view.body
}
