// expect: main actor-isolated static property 'isGuidedAccessEnabled' can not be referenced from a nonisolated context
// UIAccessibility's Guided Access state is main-actor API: a nonisolated function cannot read it.
import UIKit

func kioskGranted() -> Bool {
    UIAccessibility.isGuidedAccessEnabled
}
