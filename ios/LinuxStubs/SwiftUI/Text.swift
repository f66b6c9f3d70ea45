// Text, LocalizedStringKey, Image and Label. Linux-only interface for type-checking the app;
// see ../README.md.

// https://developer.apple.com/documentation/swiftui/localizedstringkey
@available(iOS 13.0, *)
@frozen public struct LocalizedStringKey: Equatable, ExpressibleByStringInterpolation, Sendable {
    // https://developer.apple.com/documentation/swiftui/localizedstringkey/init(_:)
    public init(_ value: String) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/localizedstringkey/init(stringliteral:)
    public init(stringLiteral value: String) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/localizedstringkey/init(stringinterpolation:)
    public init(stringInterpolation: LocalizedStringKey.StringInterpolation) { fatalError() }

    // https://developer.apple.com/documentation/swiftui/localizedstringkey/stringinterpolation
    public struct StringInterpolation: StringInterpolationProtocol {
        // https://developer.apple.com/documentation/swiftui/localizedstringkey/stringinterpolation/init(literalcapacity:interpolationcount:)
        public init(literalCapacity: Int, interpolationCount: Int) { fatalError() }
        // https://developer.apple.com/documentation/swiftui/localizedstringkey/stringinterpolation/appendliteral(_:)
        public mutating func appendLiteral(_ literal: String) { fatalError() }
        // https://developer.apple.com/documentation/swiftui/localizedstringkey/stringinterpolation (appendInterpolation(_:), a string)
        public mutating func appendInterpolation(_ string: String) { fatalError() }
        // https://developer.apple.com/documentation/swiftui/localizedstringkey/stringinterpolation (appendInterpolation(_:), a number)
        public mutating func appendInterpolation<T>(_ value: T) where T: _FormatSpecifiable { fatalError() }
        // https://developer.apple.com/documentation/swiftui/localizedstringkey/stringinterpolation (appendInterpolation(_:), a Text)
        public mutating func appendInterpolation(_ text: Text) { fatalError() }
    }
}

// Underscored, so without a documentation page: the protocol of the numbers a
// LocalizedStringKey interpolates, as SwiftUI's module interface declares it
// (SwiftUI.swiftinterface of the iOS SDK), with the conformances the app needs.
public protocol _FormatSpecifiable: Equatable {
    associatedtype _Arg: CVarArg
    var _arg: Self._Arg { get }
    var _specifier: String { get }
}

// SwiftUI.swiftinterface: extension Int : _FormatSpecifiable
extension Int: _FormatSpecifiable {
    public var _arg: Int64 { fatalError() }
    public var _specifier: String { fatalError() }
}

// SwiftUI.swiftinterface: extension Int32 : _FormatSpecifiable
extension Int32: _FormatSpecifiable {
    public var _arg: Int32 { fatalError() }
    public var _specifier: String { fatalError() }
}

// SwiftUI.swiftinterface: extension UInt32 : _FormatSpecifiable
extension UInt32: _FormatSpecifiable {
    public var _arg: UInt32 { fatalError() }
    public var _specifier: String { fatalError() }
}

// SwiftUI.swiftinterface: extension Int64 : _FormatSpecifiable
extension Int64: _FormatSpecifiable {
    public var _arg: Int64 { fatalError() }
    public var _specifier: String { fatalError() }
}

// SwiftUI.swiftinterface: extension Double : _FormatSpecifiable
extension Double: _FormatSpecifiable {
    public var _arg: Double { fatalError() }
    public var _specifier: String { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/text
@available(iOS 13.0, *)
@frozen public struct Text: Equatable, Sendable {
    // https://developer.apple.com/documentation/swiftui/text/init(verbatim:)
    public init(verbatim content: String) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/text/init(_:)-9d1g4
    @_disfavoredOverload public init<S>(_ content: S) where S: StringProtocol { fatalError() }
    // https://developer.apple.com/documentation/swiftui/text/init(_:tablename:bundle:comment:)
    public init(
        _ key: LocalizedStringKey, tableName: String? = nil, bundle: Bundle? = nil,
        comment: StaticString? = nil
    ) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/text/font(_:)
    public func font(_ font: Font?) -> Text { fatalError() }
    public static func == (a: Text, b: Text) -> Bool { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/text
@available(iOS 13.0, *)
extension Text: View {
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/image
@available(iOS 13.0, *)
@frozen public struct Image: Equatable, Sendable {
    // https://developer.apple.com/documentation/swiftui/image/init(systemname:)
    @available(iOS 13.0, *)
    public init(systemName: String) { fatalError() }
    public static func == (lhs: Image, rhs: Image) -> Bool { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/image
@available(iOS 13.0, *)
extension Image: View {
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/label
@available(iOS 14.0, *)
public struct Label<Title, Icon>: View where Title: View, Icon: View {
    // https://developer.apple.com/documentation/swiftui/label/init(title:icon:)
    nonisolated public init(@ViewBuilder title: () -> Title, @ViewBuilder icon: () -> Icon) { fatalError() }
    public typealias Body = Never
}

@available(iOS 14.0, *)
extension Label where Title == Text, Icon == Image {
    // https://developer.apple.com/documentation/swiftui/label/init(_:systemimage:)
    nonisolated public init(_ titleKey: LocalizedStringKey, systemImage name: String) { fatalError() }
}
