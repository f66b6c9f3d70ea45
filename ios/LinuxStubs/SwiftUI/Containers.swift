// Containers: stacks, lists, forms, sections, ForEach, navigation and the toolbar.
// Linux-only interface for type-checking the app; see ../README.md.

// https://developer.apple.com/documentation/swiftui/vstack
@available(iOS 13.0, *)
@frozen public struct VStack<Content>: View where Content: View {
    // https://developer.apple.com/documentation/swiftui/vstack/init(alignment:spacing:content:)
    nonisolated public init(
        alignment: HorizontalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content
    ) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/hstack
@available(iOS 13.0, *)
@frozen public struct HStack<Content>: View where Content: View {
    // https://developer.apple.com/documentation/swiftui/hstack/init(alignment:spacing:content:)
    nonisolated public init(
        alignment: VerticalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content
    ) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/zstack
@available(iOS 13.0, *)
@frozen public struct ZStack<Content>: View where Content: View {
    // https://developer.apple.com/documentation/swiftui/zstack/init(alignment:content:)
    nonisolated public init(alignment: Alignment = .center, @ViewBuilder content: () -> Content) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/spacer
@available(iOS 13.0, *)
@frozen public struct Spacer: View {
    // https://developer.apple.com/documentation/swiftui/spacer/init(minlength:)
    nonisolated public init(minLength: CGFloat? = nil) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/group
@available(iOS 13.0, *)
@frozen public struct Group<Content> {}

// https://developer.apple.com/documentation/swiftui/group
@available(iOS 13.0, *)
extension Group: View where Content: View {
    // https://developer.apple.com/documentation/swiftui/group/init(content:)
    nonisolated public init(@ViewBuilder content: () -> Content) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/list
@available(iOS 13.0, *)
public struct List<SelectionValue, Content>: View where SelectionValue: Hashable, Content: View {
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension List where SelectionValue == Never {
    // https://developer.apple.com/documentation/swiftui/list/init(content:)
    nonisolated public init(@ViewBuilder content: () -> Content) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/list/init(_:id:rowcontent:)-4s0aj
    nonisolated public init<Data, ID, RowContent>(
        _ data: Data, id: KeyPath<Data.Element, ID>, @ViewBuilder rowContent: @escaping (Data.Element) -> RowContent
    ) where Content == ForEach<Data, ID, RowContent>, Data: RandomAccessCollection, ID: Hashable, RowContent: View {
        fatalError()
    }
}

// https://developer.apple.com/documentation/swiftui/form
@available(iOS 13.0, *)
public struct Form<Content>: View where Content: View {
    // https://developer.apple.com/documentation/swiftui/form/init(content:)
    nonisolated public init(@ViewBuilder content: () -> Content) { fatalError() }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/section
@available(iOS 13.0, *)
public struct Section<Parent, Content, Footer> {}

// https://developer.apple.com/documentation/swiftui/section
@available(iOS 13.0, *)
extension Section: View where Parent: View, Content: View, Footer: View {
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension Section where Parent == EmptyView, Content: View, Footer == EmptyView {
    // https://developer.apple.com/documentation/swiftui/section/init(content:)
    public init(@ViewBuilder content: () -> Content) { fatalError() }
}

@available(iOS 15.0, *)
extension Section where Parent == Text, Content: View, Footer == EmptyView {
    // https://developer.apple.com/documentation/swiftui/section/init(_:content:)
    public init(_ titleKey: LocalizedStringKey, @ViewBuilder content: () -> Content) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/foreach
@available(iOS 13.0, *)
public struct ForEach<Data, ID, Content> where Data: RandomAccessCollection, ID: Hashable {
    // https://developer.apple.com/documentation/swiftui/foreach/data
    public var data: Data
    // https://developer.apple.com/documentation/swiftui/foreach/content
    public var content: (Data.Element) -> Content
}

// https://developer.apple.com/documentation/swiftui/foreach
@available(iOS 13.0, *)
extension ForEach: View where Content: View {
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension ForEach where ID == Data.Element.ID, Content: View, Data.Element: Identifiable {
    // https://developer.apple.com/documentation/swiftui/foreach/init(_:content:)
    public init(_ data: Data, @ViewBuilder content: @escaping (Data.Element) -> Content) { fatalError() }
}

@available(iOS 13.0, *)
extension ForEach where Content: View {
    // https://developer.apple.com/documentation/swiftui/foreach/init(_:id:content:)
    public init(
        _ data: Data, id: KeyPath<Data.Element, ID>, @ViewBuilder content: @escaping (Data.Element) -> Content
    ) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/navigationstack
@available(iOS 16.0, *)
public struct NavigationStack<Data, Root>: View where Root: View {
    // https://developer.apple.com/documentation/swiftui/navigationstack/init(path:root:)
    nonisolated public init(path: Binding<Data>, @ViewBuilder root: () -> Root)
    where Data: MutableCollection, Data: RandomAccessCollection, Data: RangeReplaceableCollection,
        Data.Element: Hashable { fatalError() }
    public typealias Body = Never
}

@available(iOS 16.0, *)
extension NavigationStack where Data == NavigationPath {
    // https://developer.apple.com/documentation/swiftui/navigationstack/init(root:)
    nonisolated public init(@ViewBuilder root: () -> Root) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/navigationpath
@available(iOS 16.0, *)
public struct NavigationPath {}

// https://developer.apple.com/documentation/swiftui/navigationlink
@available(iOS 13.0, *)
public struct NavigationLink<Label, Destination>: View where Label: View, Destination: View {
    public typealias Body = Never
}

@available(iOS 16.0, *)
extension NavigationLink where Destination == Never {
    // https://developer.apple.com/documentation/swiftui/navigationlink/init(value:label:)
    nonisolated public init<P>(value: P?, @ViewBuilder label: () -> Label) where P: Hashable { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/toolbarcontent
@available(iOS 14.0, *)
@MainActor @preconcurrency public protocol ToolbarContent {
    // https://developer.apple.com/documentation/swiftui/toolbarcontent/body-swift.associatedtype
    associatedtype Body: ToolbarContent
    // https://developer.apple.com/documentation/swiftui/toolbarcontent/body-swift.property
    @ToolbarContentBuilder @MainActor @preconcurrency var body: Self.Body { get }
}

// https://developer.apple.com/documentation/swift/never (SwiftUI's ToolbarContent conformance)
@available(iOS 14.0, *)
extension Never: ToolbarContent {}

// https://developer.apple.com/documentation/swiftui/toolbarcontentbuilder
@available(iOS 14.0, *)
@resultBuilder public struct ToolbarContentBuilder {
    // https://developer.apple.com/documentation/swiftui/toolbarcontentbuilder/buildexpression(_:)
    public static func buildExpression<Content>(_ content: Content) -> Content where Content: ToolbarContent {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/toolbarcontentbuilder/buildblock(_:)
    public static func buildBlock<Content>(_ content: Content) -> Content where Content: ToolbarContent {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/toolbarcontentbuilder/buildblock(_:_:)
    public static func buildBlock<C0, C1>(_ c0: C0, _ c1: C1) -> some ToolbarContent
    where C0: ToolbarContent, C1: ToolbarContent { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/toolbaritem
@available(iOS 14.0, *)
public struct ToolbarItem<ID, Content>: ToolbarContent where Content: View {
    public typealias Body = Never
    public var body: Never { fatalError() }
}

@available(iOS 14.0, *)
extension ToolbarItem where ID == () {
    // https://developer.apple.com/documentation/swiftui/toolbaritem/init(placement:content:)
    nonisolated public init(placement: ToolbarItemPlacement = .automatic, @ViewBuilder content: () -> Content) {
        fatalError()
    }
}

// https://developer.apple.com/documentation/swiftui/toolbaritemgroup
@available(iOS 14.0, *)
public struct ToolbarItemGroup<Content>: ToolbarContent where Content: View {
    // https://developer.apple.com/documentation/swiftui/toolbaritemgroup/init(placement:content:)
    nonisolated public init(placement: ToolbarItemPlacement = .automatic, @ViewBuilder content: () -> Content) {
        fatalError()
    }
    public typealias Body = Never
    public var body: Never { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/toolbaritemplacement
@available(iOS 14.0, *)
public struct ToolbarItemPlacement {
    // https://developer.apple.com/documentation/swiftui/toolbaritemplacement/automatic
    public static let automatic: ToolbarItemPlacement = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/toolbaritemplacement/topbarleading
    @available(iOS 17.0, *)
    public static let topBarLeading: ToolbarItemPlacement = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/toolbaritemplacement/topbartrailing
    @available(iOS 17.0, *)
    public static let topBarTrailing: ToolbarItemPlacement = { fatalError() }()
}
