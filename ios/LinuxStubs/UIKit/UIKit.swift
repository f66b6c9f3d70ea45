// UIKit, as much of it as the app uses, with Apple's published signatures. Linux-only: the
// app is type-checked against this, never linked (every body is fatalError()). See ../README.md.

@_exported import Foundation

// https://developer.apple.com/documentation/uikit/uiresponder
@available(iOS 2.0, *)
@MainActor open class UIResponder: NSObject {}

// https://developer.apple.com/documentation/uikit/uiviewcontroller
@available(iOS 2.0, *)
@MainActor open class UIViewController: UIResponder {}

// https://developer.apple.com/documentation/uikit/uicolor
@available(iOS 2.0, *)
open class UIColor: NSObject {
    // https://developer.apple.com/documentation/uikit/uicolor/systembackground
    @available(iOS 13.0, *)
    open class var systemBackground: UIColor { fatalError() }
}

// https://developer.apple.com/documentation/uikit/uikeyboardtype
@available(iOS 2.0, *)
public enum UIKeyboardType: Int, @unchecked Sendable {
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/default
    case `default` = 0
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/asciicapable
    case asciiCapable = 1
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/numbersandpunctuation
    case numbersAndPunctuation = 2
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/url
    case URL = 3
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/numberpad
    case numberPad = 4
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/phonepad
    case phonePad = 5
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/namephonepad
    case namePhonePad = 6
    // https://developer.apple.com/documentation/uikit/uikeyboardtype/emailaddress
    case emailAddress = 7
}

// https://developer.apple.com/documentation/uikit/uitextcontenttype
@available(iOS 10.0, *)
public struct UITextContentType: Hashable, Equatable, RawRepresentable, @unchecked Sendable {
    // https://developer.apple.com/documentation/uikit/uitextcontenttype/init(rawvalue:)
    public init(rawValue: String) { fatalError() }
    // https://developer.apple.com/documentation/uikit/uitextcontenttype/rawvalue
    public var rawValue: String { fatalError() }
    // https://developer.apple.com/documentation/uikit/uitextcontenttype/url
    public static let URL: UITextContentType = { fatalError() }()
    // https://developer.apple.com/documentation/uikit/uitextcontenttype/onetimecode
    @available(iOS 12.0, *)
    public static let oneTimeCode: UITextContentType = { fatalError() }()
}

// https://developer.apple.com/documentation/uikit/uiaccessibility
@available(iOS 3.0, *)
public struct UIAccessibility {
    // https://developer.apple.com/documentation/uikit/uiaccessibility/isguidedaccessenabled
    @available(iOS 6.0, *)
    @MainActor public static var isGuidedAccessEnabled: Bool { fatalError() }

    // https://developer.apple.com/documentation/uikit/uiaccessibility/requestguidedaccesssession(enabled:completionhandler:)
    @available(iOS 7.0, *)
    @MainActor public static func requestGuidedAccessSession(
        enabled enable: Bool, completionHandler: @escaping @MainActor @Sendable (Bool) -> Void
    ) { fatalError() }
}
