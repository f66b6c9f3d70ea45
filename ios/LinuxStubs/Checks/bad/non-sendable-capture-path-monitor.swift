// expect: capture of 'tally' with non-sendable type 'Tally' in a `@Sendable` closure
// NWPathMonitor calls its handler on its own queue: the handler is @Sendable, so it cannot
// capture a non-Sendable object.
import Network

final class Tally {
    var changes = 0
}

func watch(_ monitor: NWPathMonitor, into tally: Tally) {
    monitor.pathUpdateHandler = { _ in tally.changes += 1 }
}
