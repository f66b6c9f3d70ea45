// SwiftUI's core: the View protocol, its result builder and the structural views the builder
// produces. Linux-only interface for type-checking the app; see ../README.md.

@_exported import Foundation
@_exported import Observation
@_exported import UIKit

// https://developer.apple.com/documentation/swiftui/view
@available(iOS 13.0, *)
@MainActor @preconcurrency public protocol View {
    // https://developer.apple.com/documentation/swiftui/view/body-swift.associatedtype
    associatedtype Body: View
    // https://developer.apple.com/documentation/swiftui/view/body-8kl5o
    @ViewBuilder @MainActor @preconcurrency var body: Self.Body { get }
}

// https://developer.apple.com/documentation/swift/never
@available(iOS 13.0, *)
extension Never: View {
    public typealias Body = Never
    // https://developer.apple.com/documentation/swift/never (SwiftUI's View conformance)
    public var body: Never { fatalError() }
}

// Primitive views have no body of their own.
@available(iOS 13.0, *)
extension View where Body == Never {
    // https://developer.apple.com/documentation/swiftui/view/body-8kl5o
    public var body: Never { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/viewbuilder
@available(iOS 13.0, *)
@resultBuilder public struct ViewBuilder {
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildexpression(_:)
    public static func buildExpression<Content>(_ content: Content) -> Content where Content: View {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildblock()
    public static func buildBlock() -> EmptyView { fatalError() }
    // https://developer.apple.com/documentation/swiftui/viewbuilder (buildBlock(_:), one view)
    public static func buildBlock<Content>(_ content: Content) -> Content where Content: View {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildblock(_:)-2bj1g
    public static func buildBlock<each Content>(_ content: repeat each Content)
        -> TupleView<(repeat each Content)> where repeat each Content: View
    {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildif(_:)
    public static func buildIf<Content>(_ content: Content?) -> Content? where Content: View {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildeither(first:)
    public static func buildEither<TrueContent, FalseContent>(first: TrueContent)
        -> _ConditionalContent<TrueContent, FalseContent> where TrueContent: View, FalseContent: View
    {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildeither(second:)
    public static func buildEither<TrueContent, FalseContent>(second: FalseContent)
        -> _ConditionalContent<TrueContent, FalseContent> where TrueContent: View, FalseContent: View
    {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/viewbuilder/buildlimitedavailability(_:)
    @available(iOS 14.0, *)
    public static func buildLimitedAvailability<Content>(_ content: Content) -> AnyView where Content: View {
        fatalError()
    }
}

// https://developer.apple.com/documentation/swiftui/emptyview
@available(iOS 13.0, *)
@frozen public struct EmptyView: View {
    // https://developer.apple.com/documentation/swiftui/emptyview/init()
    nonisolated public init() {}
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/tupleview
@available(iOS 13.0, *)
@frozen public struct TupleView<T>: View {
    // https://developer.apple.com/documentation/swiftui/tupleview/value
    public var value: T
    // https://developer.apple.com/documentation/swiftui/tupleview/init(_:)
    nonisolated public init(_ value: T) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/_conditionalcontent
@available(iOS 13.0, *)
@frozen public struct _ConditionalContent<TrueContent, FalseContent>: View
where TrueContent: View, FalseContent: View {
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/anyview
@available(iOS 13.0, *)
@frozen public struct AnyView: View {
    // https://developer.apple.com/documentation/swiftui/anyview (init(_:))
    nonisolated public init<V>(_ view: V) where V: View { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swift/optional (SwiftUI's View conformance)
@available(iOS 13.0, *)
extension Optional: View where Wrapped: View {
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/viewmodifier
@available(iOS 13.0, *)
@MainActor @preconcurrency public protocol ViewModifier {
    // https://developer.apple.com/documentation/swiftui/viewmodifier/body-swift.associatedtype
    associatedtype Body: View
    // https://developer.apple.com/documentation/swiftui/viewmodifier/content
    typealias Content = _ViewModifier_Content<Self>
    // https://developer.apple.com/documentation/swiftui/viewmodifier/body(content:)
    @ViewBuilder @MainActor @preconcurrency func body(content: Self.Content) -> Self.Body
}

// https://developer.apple.com/documentation/swiftui/viewmodifier/content
@available(iOS 13.0, *)
public struct _ViewModifier_Content<Modifier>: View where Modifier: ViewModifier {
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/modifiedcontent
@available(iOS 13.0, *)
@frozen public struct ModifiedContent<Content, Modifier> {
    // https://developer.apple.com/documentation/swiftui/modifiedcontent/content
    public var content: Content
    // https://developer.apple.com/documentation/swiftui/modifiedcontent/modifier
    public var modifier: Modifier
    // https://developer.apple.com/documentation/swiftui/modifiedcontent/init(content:modifier:)
    nonisolated public init(content: Content, modifier: Modifier) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/modifiedcontent
@available(iOS 13.0, *)
extension ModifiedContent: View where Content: View, Modifier: ViewModifier {
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/accessibilityattachmentmodifier
@available(iOS 13.0, *)
@frozen public struct AccessibilityAttachmentModifier: ViewModifier {
    public typealias Body = Never
    public func body(content: Content) -> Never { fatalError() }
}
