// View modifiers the app applies. Linux-only interface for type-checking the app; see
// ../README.md. A modifier's body returns `fatalError()`: `Never` conforms to `View`, so it
// stands for the opaque result.

@available(iOS 13.0, *)
extension View {
    // https://developer.apple.com/documentation/swiftui/view/font(_:)
    nonisolated public func font(_ font: Font?) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/foregroundstyle(_:)
    @available(iOS 15.0, *)
    nonisolated public func foregroundStyle<S>(_ style: S) -> some View where S: ShapeStyle { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/frame(minwidth:idealwidth:maxwidth:minheight:idealheight:maxheight:alignment:)
    nonisolated public func frame(
        minWidth: CGFloat? = nil, idealWidth: CGFloat? = nil, maxWidth: CGFloat? = nil,
        minHeight: CGFloat? = nil, idealHeight: CGFloat? = nil, maxHeight: CGFloat? = nil,
        alignment: Alignment = .center
    ) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/background(_:in:fillstyle:)
    @available(iOS 15.0, *)
    nonisolated public func background<S, T>(_ style: S, in shape: T, fillStyle: FillStyle = FillStyle())
        -> some View where S: ShapeStyle, T: InsettableShape { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/overlay(alignment:content:)
    @available(iOS 15.0, *)
    nonisolated public func overlay<V>(alignment: Alignment = .center, @ViewBuilder content: () -> V)
        -> some View where V: View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/opacity(_:)
    nonisolated public func opacity(_ opacity: Double) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/padding(_:_:)
    nonisolated public func padding(_ edges: Edge.Set = .all, _ length: CGFloat? = nil) -> some View {
        fatalError()
    }

    // https://developer.apple.com/documentation/swiftui/view/padding(_:)
    nonisolated public func padding(_ length: CGFloat) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/ignoressafearea(_:edges:)
    @available(iOS 14.0, *)
    nonisolated public func ignoresSafeArea(_ regions: SafeAreaRegions = .all, edges: Edge.Set = .all)
        -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/privacysensitive(_:)
    @available(iOS 15.0, *)
    nonisolated public func privacySensitive(_ sensitive: Bool = true) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/dynamictypesize(_:)
    @available(iOS 15.0, *)
    nonisolated public func dynamicTypeSize<T>(_ range: T) -> some View
    where T: RangeExpression, T.Bound == DynamicTypeSize { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/disabled(_:)
    nonisolated public func disabled(_ disabled: Bool) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/tag(_:)
    nonisolated public func tag<V>(_ tag: V) -> some View where V: Hashable { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/labelshidden()
    nonisolated public func labelsHidden() -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/buttonstyle(_:)
    nonisolated public func buttonStyle<S>(_ style: S) -> some View where S: ButtonStyle { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/pickerstyle(_:)
    nonisolated public func pickerStyle<S>(_ style: S) -> some View where S: PickerStyle { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/listrowinsets(_:)
    nonisolated public func listRowInsets(_ insets: EdgeInsets?) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/swipeactions(edge:allowsfullswipe:content:)
    @available(iOS 15.0, *)
    nonisolated public func swipeActions<T>(
        edge: HorizontalEdge = .trailing, allowsFullSwipe: Bool = true, @ViewBuilder content: () -> T
    ) -> some View where T: View { fatalError() }

    // MARK: text input

    // https://developer.apple.com/documentation/swiftui/view/keyboardtype(_:)
    nonisolated public func keyboardType(_ type: UIKeyboardType) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/textcontenttype(_:)-ufdv
    nonisolated public func textContentType(_ textContentType: UITextContentType?) -> some View {
        fatalError()
    }

    // https://developer.apple.com/documentation/swiftui/view/textinputautocapitalization(_:)
    @available(iOS 15.0, *)
    nonisolated public func textInputAutocapitalization(_ autocapitalization: TextInputAutocapitalization?)
        -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/autocorrectiondisabled(_:)
    nonisolated public func autocorrectionDisabled(_ disable: Bool = true) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/onsubmit(of:_:)
    @available(iOS 15.0, *)
    nonisolated public func onSubmit(of triggers: SubmitTriggers = .text, _ action: @escaping () -> Void)
        -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/submitlabel(_:)
    @available(iOS 15.0, *)
    nonisolated public func submitLabel(_ submitLabel: SubmitLabel) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/focused(_:)
    @available(iOS 15.0, *)
    nonisolated public func focused(_ condition: FocusState<Bool>.Binding) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/searchable(text:placement:prompt:)
    @available(iOS 15.0, *)
    nonisolated public func searchable(
        text: Binding<String>, placement: SearchFieldPlacement = .automatic, prompt: Text? = nil
    ) -> some View { fatalError() }

    // MARK: accessibility

    // https://developer.apple.com/documentation/swiftui/view/accessibilityelement(children:)
    nonisolated public func accessibilityElement(children: AccessibilityChildBehavior = .ignore) -> some View {
        fatalError()
    }

    // https://developer.apple.com/documentation/swiftui/view/accessibilitylabel(_:)
    @available(iOS 14.0, *)
    nonisolated public func accessibilityLabel(_ label: Text)
        -> ModifiedContent<Self, AccessibilityAttachmentModifier> { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/accessibilityhint(_:)-3rdgs
    @available(iOS 14.0, *)
    nonisolated public func accessibilityHint(_ hint: Text)
        -> ModifiedContent<Self, AccessibilityAttachmentModifier> { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/accessibilityvalue(_:)-z9mo
    @available(iOS 14.0, *)
    nonisolated public func accessibilityValue(_ valueDescription: Text)
        -> ModifiedContent<Self, AccessibilityAttachmentModifier> { fatalError() }

    // MARK: navigation and presentation

    // https://developer.apple.com/documentation/swiftui/view/navigationtitle(_:)
    @available(iOS 14.0, *)
    nonisolated public func navigationTitle(_ title: Text) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/navigationtitle(_:)
    @available(iOS 14.0, *)
    nonisolated public func navigationTitle(_ titleKey: LocalizedStringKey) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/navigationbartitledisplaymode(_:)
    @available(iOS 14.0, *)
    nonisolated public func navigationBarTitleDisplayMode(_ displayMode: NavigationBarItem.TitleDisplayMode)
        -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/navigationdestination(for:destination:)
    @available(iOS 16.0, *)
    nonisolated public func navigationDestination<D, C>(
        for data: D.Type, @ViewBuilder destination: @escaping (D) -> C
    ) -> some View where D: Hashable, C: View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/toolbar(content:)
    @available(iOS 14.0, *)
    nonisolated public func toolbar<Content>(@ViewBuilder content: () -> Content) -> some View
    where Content: View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/toolbar(content:)
    @available(iOS 14.0, *)
    nonisolated public func toolbar<Content>(@ToolbarContentBuilder content: () -> Content) -> some View
    where Content: ToolbarContent { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/sheet(ispresented:ondismiss:content:)
    nonisolated public func sheet<Content>(
        isPresented: Binding<Bool>, onDismiss: (() -> Void)? = nil, @ViewBuilder content: @escaping () -> Content
    ) -> some View where Content: View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/fullscreencover(ispresented:ondismiss:content:)
    @available(iOS 14.0, *)
    nonisolated public func fullScreenCover<Content>(
        isPresented: Binding<Bool>, onDismiss: (() -> Void)? = nil, @ViewBuilder content: @escaping () -> Content
    ) -> some View where Content: View { fatalError() }

    // MARK: lifecycle and events

    // https://developer.apple.com/documentation/swiftui/view/onappear(perform:)
    nonisolated public func onAppear(perform action: (() -> Void)? = nil) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/focusable(_:)
    @available(iOS 17.0, *)
    nonisolated public func focusable(_ isFocusable: Bool = true) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/onkeypress(phases:action:)
    @available(iOS 17.0, *)
    nonisolated public func onKeyPress(
        phases: KeyPress.Phases = [.down, .repeat], action: @escaping (KeyPress) -> KeyPress.Result
    ) -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/task(priority:_:)
    @available(iOS 15.0, *)
    nonisolated public func task(priority: TaskPriority = .userInitiated, _ action: @escaping () async -> Void)
        -> some View { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/onchange(of:initial:_:)
    @available(iOS 17.0, *)
    nonisolated public func onChange<V>(of value: V, initial: Bool = false, _ action: @escaping () -> Void)
        -> some View where V: Equatable { fatalError() }

    // https://developer.apple.com/documentation/swiftui/view/onchange(of:initial:_:)
    @available(iOS 17.0, *)
    nonisolated public func onChange<V>(
        of value: V, initial: Bool = false, _ action: @escaping (_ oldValue: V, _ newValue: V) -> Void
    ) -> some View where V: Equatable { fatalError() }
}

// MARK: modifier arguments

// https://developer.apple.com/documentation/swiftui/accessibilitychildbehavior
@available(iOS 13.0, *)
public struct AccessibilityChildBehavior: Hashable {
    // https://developer.apple.com/documentation/swiftui/accessibilitychildbehavior/ignore
    public static let ignore: AccessibilityChildBehavior = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/accessibilitychildbehavior/contain
    public static let contain: AccessibilityChildBehavior = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/accessibilitychildbehavior/combine
    public static let combine: AccessibilityChildBehavior = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/textinputautocapitalization
@available(iOS 15.0, *)
public struct TextInputAutocapitalization: Sendable {
    // https://developer.apple.com/documentation/swiftui/textinputautocapitalization/never
    public static var never: TextInputAutocapitalization { fatalError() }
    // https://developer.apple.com/documentation/swiftui/textinputautocapitalization/words
    public static var words: TextInputAutocapitalization { fatalError() }
    // https://developer.apple.com/documentation/swiftui/textinputautocapitalization/sentences
    public static var sentences: TextInputAutocapitalization { fatalError() }
    // https://developer.apple.com/documentation/swiftui/textinputautocapitalization/characters
    public static var characters: TextInputAutocapitalization { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/submittriggers
@available(iOS 15.0, *)
public struct SubmitTriggers: OptionSet, Sendable {
    // https://developer.apple.com/documentation/swiftui/submittriggers/rawvalue
    public let rawValue: Int
    // https://developer.apple.com/documentation/swiftui/submittriggers/init(rawvalue:)
    public init(rawValue: Int) { self.rawValue = rawValue }
    // https://developer.apple.com/documentation/swiftui/submittriggers/text
    public static let text: SubmitTriggers = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/submittriggers/search
    public static let search: SubmitTriggers = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/submitlabel
@available(iOS 15.0, *)
public struct SubmitLabel: Sendable {
    // https://developer.apple.com/documentation/swiftui/submitlabel/next
    public static var next: SubmitLabel { fatalError() }
    // https://developer.apple.com/documentation/swiftui/submitlabel/done
    public static var done: SubmitLabel { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/searchfieldplacement
@available(iOS 15.0, *)
public struct SearchFieldPlacement: Sendable {
    // https://developer.apple.com/documentation/swiftui/searchfieldplacement/automatic
    public static let automatic: SearchFieldPlacement = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/searchfieldplacement/navigationbardrawer(displaymode:)
    public static func navigationBarDrawer(displayMode: SearchFieldPlacement.NavigationBarDrawerDisplayMode)
        -> SearchFieldPlacement { fatalError() }

    // https://developer.apple.com/documentation/swiftui/searchfieldplacement/navigationbardrawerdisplaymode
    public enum NavigationBarDrawerDisplayMode: Sendable {
        // https://developer.apple.com/documentation/swiftui/searchfieldplacement/navigationbardrawerdisplaymode/automatic
        case automatic
        // https://developer.apple.com/documentation/swiftui/searchfieldplacement/navigationbardrawerdisplaymode/always
        case always
    }
}

// https://developer.apple.com/documentation/swiftui/navigationbaritem
@available(iOS 13.0, *)
public struct NavigationBarItem: Sendable {
    // https://developer.apple.com/documentation/swiftui/navigationbaritem/titledisplaymode
    public enum TitleDisplayMode: Sendable {
        // https://developer.apple.com/documentation/swiftui/navigationbaritem/titledisplaymode/automatic
        case automatic
        // https://developer.apple.com/documentation/swiftui/navigationbaritem/titledisplaymode/inline
        case inline
        // https://developer.apple.com/documentation/swiftui/navigationbaritem/titledisplaymode/large
        case large
    }
}

// https://developer.apple.com/documentation/swiftui/safearearegions
@available(iOS 14.0, *)
public struct SafeAreaRegions: OptionSet, Sendable {
    // https://developer.apple.com/documentation/swiftui/safearearegions/rawvalue
    public let rawValue: UInt
    // https://developer.apple.com/documentation/swiftui/safearearegions/init(rawvalue:)
    public init(rawValue: UInt) { self.rawValue = rawValue }
    // https://developer.apple.com/documentation/swiftui/safearearegions/all
    public static let all: SafeAreaRegions = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/keypress
@available(iOS 17.0, *)
public struct KeyPress: Sendable {
    // https://developer.apple.com/documentation/swiftui/keypress/key
    public let key: KeyEquivalent
    // https://developer.apple.com/documentation/swiftui/keypress/characters
    public let characters: String
    // https://developer.apple.com/documentation/swiftui/keypress/phase
    public let phase: KeyPress.Phases

    // https://developer.apple.com/documentation/swiftui/keypress/phases
    public struct Phases: OptionSet, Sendable, CustomDebugStringConvertible {
        // https://developer.apple.com/documentation/swiftui/keypress/phases/rawvalue
        public let rawValue: Int
        // https://developer.apple.com/documentation/swiftui/keypress/phases/init(rawvalue:)
        public init(rawValue: Int) { self.rawValue = rawValue }
        // https://developer.apple.com/documentation/swiftui/keypress/phases/down
        public static let down: KeyPress.Phases = { fatalError() }()
        // https://developer.apple.com/documentation/swiftui/keypress/phases/up
        public static let up: KeyPress.Phases = { fatalError() }()
        // https://developer.apple.com/documentation/swiftui/keypress/phases/repeat
        public static let `repeat`: KeyPress.Phases = { fatalError() }()
        // https://developer.apple.com/documentation/swiftui/keypress/phases/debugdescription
        public var debugDescription: String { fatalError() }
    }

    // https://developer.apple.com/documentation/swiftui/keypress/result
    public enum Result: Hashable, Sendable {
        // https://developer.apple.com/documentation/swiftui/keypress/result/handled
        case handled
        // https://developer.apple.com/documentation/swiftui/keypress/result/ignored
        case ignored
    }
}

// https://developer.apple.com/documentation/swiftui/keyequivalent
@available(iOS 14.0, *)
@frozen public struct KeyEquivalent: Hashable, Sendable {
    // https://developer.apple.com/documentation/swiftui/keyequivalent/character
    public var character: Character
    // https://developer.apple.com/documentation/swiftui/keyequivalent/return
    public static let `return`: KeyEquivalent = { fatalError() }()
}
