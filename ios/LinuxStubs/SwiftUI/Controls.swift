// Controls: Button and its styles, Picker, TextField, TextEditor, SecureField, LabeledContent,
// ProgressView, ContentUnavailableView. Linux-only interface for type-checking the app;
// see ../README.md.

// https://developer.apple.com/documentation/swiftui/button
@available(iOS 13.0, *)
public struct Button<Label>: View where Label: View {
    // https://developer.apple.com/documentation/swiftui/button/init(action:label:)
    @preconcurrency nonisolated public init(
        action: @escaping @MainActor () -> Void, @ViewBuilder label: () -> Label
    ) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/button/init(role:action:label:)
    @available(iOS 15.0, *)
    @preconcurrency nonisolated public init(
        role: ButtonRole?, action: @escaping @MainActor () -> Void, @ViewBuilder label: () -> Label
    ) { fatalError() }
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension Button where Label == Text {
    // https://developer.apple.com/documentation/swiftui/button/init(_:action:)-1asy
    @preconcurrency nonisolated public init(
        _ titleKey: LocalizedStringKey, action: @escaping @MainActor () -> Void
    ) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/button/init(_:action:)-lpm7
    @_disfavoredOverload @preconcurrency nonisolated public init<S>(
        _ title: S, action: @escaping @MainActor () -> Void
    ) where S: StringProtocol { fatalError() }
    // https://developer.apple.com/documentation/swiftui/button/init(_:role:action:)
    @available(iOS 15.0, *)
    @preconcurrency nonisolated public init(
        _ titleKey: LocalizedStringKey, role: ButtonRole?, action: @escaping @MainActor () -> Void
    ) { fatalError() }
}

@available(iOS 14.0, *)
extension Button where Label == SwiftUI.Label<Text, Image> {
    // https://developer.apple.com/documentation/swiftui/button/init(_:systemimage:action:)
    nonisolated public init(
        _ titleKey: LocalizedStringKey, systemImage: String, action: @escaping @MainActor () -> Void
    ) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/buttonrole
@available(iOS 15.0, *)
public struct ButtonRole: Equatable, Sendable {
    // https://developer.apple.com/documentation/swiftui/buttonrole/cancel
    public static let cancel: ButtonRole = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/buttonrole/destructive
    public static let destructive: ButtonRole = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/buttonstyle
@available(iOS 13.0, *)
@MainActor @preconcurrency public protocol ButtonStyle {
    // https://developer.apple.com/documentation/swiftui/buttonstyle/body
    associatedtype Body: View
    // https://developer.apple.com/documentation/swiftui/buttonstyle/makebody(configuration:)
    @ViewBuilder @MainActor @preconcurrency func makeBody(configuration: Self.Configuration) -> Self.Body
    // https://developer.apple.com/documentation/swiftui/buttonstyle/configuration
    typealias Configuration = ButtonStyleConfiguration
}

// https://developer.apple.com/documentation/swiftui/buttonstyleconfiguration
@available(iOS 13.0, *)
public struct ButtonStyleConfiguration {
    // https://developer.apple.com/documentation/swiftui/buttonstyleconfiguration/label-swift.struct
    public struct Label: View {
        public typealias Body = Never
    }
    // https://developer.apple.com/documentation/swiftui/buttonstyleconfiguration/role
    @available(iOS 15.0, *)
    public let role: ButtonRole?
    // https://developer.apple.com/documentation/swiftui/buttonstyleconfiguration/label-swift.property
    public let label: ButtonStyleConfiguration.Label
    // https://developer.apple.com/documentation/swiftui/buttonstyleconfiguration/ispressed
    public let isPressed: Bool
}

// https://developer.apple.com/documentation/swiftui/picker
@available(iOS 13.0, *)
public struct Picker<Label, SelectionValue, Content>: View
where Label: View, SelectionValue: Hashable, Content: View {
    // https://developer.apple.com/documentation/swiftui/picker/init(selection:content:label:)
    nonisolated public init(
        selection: Binding<SelectionValue>, @ViewBuilder content: () -> Content,
        @ViewBuilder label: () -> Label
    ) { fatalError() }
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension Picker where Label == Text {
    // https://developer.apple.com/documentation/swiftui/picker/init(_:selection:content:)-6lwfn
    nonisolated public init(
        _ titleKey: LocalizedStringKey, selection: Binding<SelectionValue>, @ViewBuilder content: () -> Content
    ) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/pickerstyle
@available(iOS 13.0, *)
public protocol PickerStyle {}

// https://developer.apple.com/documentation/swiftui/segmentedpickerstyle
@available(iOS 13.0, *)
public struct SegmentedPickerStyle: PickerStyle {
    // https://developer.apple.com/documentation/swiftui/segmentedpickerstyle/init()
    public init() { fatalError() }
}

@available(iOS 13.0, *)
extension PickerStyle where Self == SegmentedPickerStyle {
    // https://developer.apple.com/documentation/swiftui/pickerstyle/segmented
    public static var segmented: SegmentedPickerStyle { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/textfield
@available(iOS 13.0, *)
public struct TextField<Label>: View where Label: View {
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension TextField where Label == Text {
    // https://developer.apple.com/documentation/swiftui/textfield/init(_:text:)
    nonisolated public init(_ titleKey: LocalizedStringKey, text: Binding<String>) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/texteditor
@available(iOS 14.0, *)
public struct TextEditor: View {
    // https://developer.apple.com/documentation/swiftui/texteditor/init(text:)
    nonisolated public init(text: Binding<String>) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/securefield
@available(iOS 13.0, *)
public struct SecureField<Label>: View where Label: View {
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension SecureField where Label == Text {
    // https://developer.apple.com/documentation/swiftui/securefield/init(_:text:)
    nonisolated public init(_ titleKey: LocalizedStringKey, text: Binding<String>) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/labeledcontent
@available(iOS 16.0, *)
public struct LabeledContent<Label, Content> {}

// https://developer.apple.com/documentation/swiftui/labeledcontent
@available(iOS 16.0, *)
extension LabeledContent: View where Label: View, Content: View {
    public typealias Body = Never
}

@available(iOS 16.0, *)
extension LabeledContent where Label == Text, Content: View {
    // https://developer.apple.com/documentation/swiftui/labeledcontent/init(_:content:)
    public init(_ titleKey: LocalizedStringKey, @ViewBuilder content: () -> Content) { fatalError() }
}

@available(iOS 16.0, *)
extension LabeledContent where Label == Text, Content == Text {
    // https://developer.apple.com/documentation/swiftui/labeledcontent/init(_:value:)
    public init<S>(_ titleKey: LocalizedStringKey, value: S) where S: StringProtocol { fatalError() }
    // https://developer.apple.com/documentation/swiftui/labeledcontent/init(_:value:)
    @_disfavoredOverload public init<S1, S2>(_ title: S1, value: S2)
    where S1: StringProtocol, S2: StringProtocol { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/progressview
@available(iOS 14.0, *)
public struct ProgressView<Label, CurrentValueLabel>: View where Label: View, CurrentValueLabel: View {
    public typealias Body = Never
}

@available(iOS 14.0, *)
extension ProgressView where CurrentValueLabel == EmptyView {
    // https://developer.apple.com/documentation/swiftui/progressview/init()
    nonisolated public init() where Label == EmptyView { fatalError() }
    // https://developer.apple.com/documentation/swiftui/progressview/init(label:)
    nonisolated public init(@ViewBuilder label: () -> Label) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/progressview/init(value:total:label:)
    nonisolated public init<V>(value: V?, total: V = 1.0, @ViewBuilder label: () -> Label)
    where V: BinaryFloatingPoint { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/contentunavailableview
@available(iOS 17.0, *)
public struct ContentUnavailableView<Label, Description, Actions>: View
where Label: View, Description: View, Actions: View {
    // https://developer.apple.com/documentation/swiftui/contentunavailableview/init(label:description:actions:)
    nonisolated public init(
        @ViewBuilder label: () -> Label, @ViewBuilder description: () -> Description = { EmptyView() },
        @ViewBuilder actions: () -> Actions = { EmptyView() }
    ) { fatalError() }
    public typealias Body = Never
}

@available(iOS 17.0, *)
extension ContentUnavailableView
where Label == SwiftUI.Label<Text, Image>, Description == Text?, Actions == EmptyView {
    // https://developer.apple.com/documentation/swiftui/contentunavailableview/init(_:systemimage:description:)
    nonisolated public init(_ title: LocalizedStringKey, systemImage name: String, description: Text? = nil) {
        fatalError()
    }
}
