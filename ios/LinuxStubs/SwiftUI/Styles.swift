// Drawing and layout values: fonts, colours and shape styles, shapes, alignment, edges,
// Dynamic Type. Linux-only interface for type-checking the app; see ../README.md.

// https://developer.apple.com/documentation/swiftui/font
@available(iOS 13.0, *)
@frozen public struct Font: Hashable, Sendable {
    // https://developer.apple.com/documentation/swiftui/font/title
    public static let title: Font = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/font/title3
    @available(iOS 14.0, *)
    public static let title3: Font = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/font/headline
    public static let headline: Font = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/font/subheadline
    public static let subheadline: Font = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/font/callout
    public static let callout: Font = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/font/footnote
    public static let footnote: Font = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/font/system(size:weight:design:)
    @available(iOS 16.0, *)
    public static func system(size: CGFloat, weight: Font.Weight? = nil, design: Font.Design? = nil) -> Font {
        fatalError()
    }
    // https://developer.apple.com/documentation/swiftui/font/weight(_:)
    public func weight(_ weight: Font.Weight) -> Font { fatalError() }

    // https://developer.apple.com/documentation/swiftui/font/weight
    @frozen public struct Weight: Hashable, Sendable {
        // https://developer.apple.com/documentation/swiftui/font/weight/semibold
        public static let semibold: Font.Weight = { fatalError() }()
    }

    // https://developer.apple.com/documentation/swiftui/font/design
    public enum Design: Hashable, Sendable {
        // https://developer.apple.com/documentation/swiftui/font/design/default
        case `default`
    }
}

// https://developer.apple.com/documentation/swiftui/shapestyle
@available(iOS 13.0, *)
public protocol ShapeStyle: Sendable {}

// https://developer.apple.com/documentation/swiftui/color
@available(iOS 13.0, *)
@frozen public struct Color: Hashable, CustomStringConvertible, Sendable {
    // https://developer.apple.com/documentation/swiftui/color/init(_:)
    public init(_ color: UIColor) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/color/white
    public static let white: Color = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/color/red
    public static let red: Color = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/color/accentcolor
    public static var accentColor: Color { fatalError() }
    // https://developer.apple.com/documentation/swiftui/color/opacity(_:)
    public func opacity(_ opacity: Double) -> Color { fatalError() }
    // https://developer.apple.com/documentation/swiftui/color/description
    public var description: String { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/color
@available(iOS 13.0, *)
extension Color: ShapeStyle {}

// https://developer.apple.com/documentation/swiftui/color
@available(iOS 13.0, *)
extension Color: View {
    public typealias Body = Never
}

@available(iOS 13.0, *)
extension ShapeStyle where Self == Color {
    // https://developer.apple.com/documentation/swiftui/shapestyle/red
    public static var red: Color { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/hierarchicalshapestyle
@available(iOS 15.0, *)
@frozen public struct HierarchicalShapeStyle: ShapeStyle {
    // https://developer.apple.com/documentation/swiftui/hierarchicalshapestyle/primary
    public static let primary: HierarchicalShapeStyle = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/hierarchicalshapestyle/secondary
    public static let secondary: HierarchicalShapeStyle = { fatalError() }()
}

@available(iOS 15.0, *)
extension ShapeStyle where Self == HierarchicalShapeStyle {
    // https://developer.apple.com/documentation/swiftui/shapestyle/primary
    public static var primary: HierarchicalShapeStyle { fatalError() }
    // https://developer.apple.com/documentation/swiftui/shapestyle/secondary
    public static var secondary: HierarchicalShapeStyle { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/material
@available(iOS 15.0, *)
public struct Material: Sendable {}

// https://developer.apple.com/documentation/swiftui/material
@available(iOS 15.0, *)
extension Material: ShapeStyle {}

@available(iOS 15.0, *)
extension ShapeStyle where Self == Material {
    // https://developer.apple.com/documentation/swiftui/shapestyle/thinmaterial
    public static var thinMaterial: Material { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/shape
@available(iOS 13.0, *)
public protocol Shape: Sendable, Animatable, View {}

// https://developer.apple.com/documentation/swiftui/animatable
@available(iOS 13.0, *)
public protocol Animatable {}

// https://developer.apple.com/documentation/swiftui/insettableshape
@available(iOS 13.0, *)
public protocol InsettableShape: Shape {}

// https://developer.apple.com/documentation/swiftui/roundedrectangle
@available(iOS 13.0, *)
@frozen public struct RoundedRectangle: Shape {
    // https://developer.apple.com/documentation/swiftui/roundedrectangle/init(cornerradius:style:)
    @inlinable nonisolated public init(cornerRadius: CGFloat, style: RoundedCornerStyle = .continuous) {
        fatalError()
    }
    public typealias Body = Never
}

// https://developer.apple.com/documentation/swiftui/roundedrectangle
@available(iOS 13.0, *)
extension RoundedRectangle: InsettableShape {}

@available(iOS 17.0, *)
extension Shape where Self == RoundedRectangle {
    // https://developer.apple.com/documentation/swiftui/shape/rect(cornerradius:style:)
    public static func rect(cornerRadius: CGFloat, style: RoundedCornerStyle = .continuous) -> Self {
        fatalError()
    }
}

// https://developer.apple.com/documentation/swiftui/roundedcornerstyle
@available(iOS 13.0, *)
@frozen public enum RoundedCornerStyle: Equatable, Hashable, Sendable {
    // https://developer.apple.com/documentation/swiftui/roundedcornerstyle/circular
    case circular
    // https://developer.apple.com/documentation/swiftui/roundedcornerstyle/continuous
    case continuous
}

// https://developer.apple.com/documentation/swiftui/fillstyle
@available(iOS 13.0, *)
@frozen public struct FillStyle: Equatable {
    // https://developer.apple.com/documentation/swiftui/fillstyle/init(eofill:antialiased:)
    @inlinable public init(eoFill: Bool = false, antialiased: Bool = true) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/edgeinsets
@available(iOS 13.0, *)
@frozen public struct EdgeInsets: Equatable {
    // https://developer.apple.com/documentation/swiftui/edgeinsets/init()
    @inlinable public init() { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/edge
@available(iOS 13.0, *)
@frozen public enum Edge: Int8, CaseIterable {
    case top, leading, bottom, trailing

    // https://developer.apple.com/documentation/swiftui/edge/set
    @frozen public struct Set: OptionSet {
        // https://developer.apple.com/documentation/swiftui/edge/set/rawvalue
        public let rawValue: Int8
        // https://developer.apple.com/documentation/swiftui/edge/set/init(rawvalue:)
        public init(rawValue: Int8) { self.rawValue = rawValue }
        // https://developer.apple.com/documentation/swiftui/edge/set/all
        public static let all: Edge.Set = { fatalError() }()
        // https://developer.apple.com/documentation/swiftui/edge/set/horizontal
        public static let horizontal: Edge.Set = { fatalError() }()
        // https://developer.apple.com/documentation/swiftui/edge/set/vertical
        public static let vertical: Edge.Set = { fatalError() }()
    }
}

// https://developer.apple.com/documentation/swiftui/horizontaledge
@available(iOS 15.0, *)
@frozen public enum HorizontalEdge: Int8, CaseIterable, Codable, Sendable {
    // https://developer.apple.com/documentation/swiftui/horizontaledge/leading
    case leading
    // https://developer.apple.com/documentation/swiftui/horizontaledge/trailing
    case trailing
}

// https://developer.apple.com/documentation/swiftui/horizontalalignment
@available(iOS 13.0, *)
@frozen public struct HorizontalAlignment: Equatable {
    // https://developer.apple.com/documentation/swiftui/horizontalalignment/leading
    public static let leading: HorizontalAlignment = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/horizontalalignment/center
    public static let center: HorizontalAlignment = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/verticalalignment
@available(iOS 13.0, *)
@frozen public struct VerticalAlignment: Equatable {
    // https://developer.apple.com/documentation/swiftui/verticalalignment/center
    public static let center: VerticalAlignment = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/alignment
@available(iOS 13.0, *)
@frozen public struct Alignment: Equatable {
    // https://developer.apple.com/documentation/swiftui/alignment/center
    public static let center: Alignment = { fatalError() }()
    // https://developer.apple.com/documentation/swiftui/alignment/bottom
    public static let bottom: Alignment = { fatalError() }()
}

// https://developer.apple.com/documentation/swiftui/dynamictypesize
@available(iOS 15.0, *)
public enum DynamicTypeSize: Hashable, Comparable, CaseIterable, Sendable {
    case xSmall, small, medium, large, xLarge, xxLarge, xxxLarge
    case accessibility1, accessibility2, accessibility3, accessibility4, accessibility5
}
