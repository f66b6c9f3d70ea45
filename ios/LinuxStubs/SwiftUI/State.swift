// SwiftUI's property wrappers and the environment: State, Binding, Bindable, FocusState,
// Environment. Linux-only interface for type-checking the app; see ../README.md.

// https://developer.apple.com/documentation/swiftui/dynamicproperty
@available(iOS 13.0, *)
public protocol DynamicProperty {
    // https://developer.apple.com/documentation/swiftui/dynamicproperty/update()
    mutating func update()
}

// https://developer.apple.com/documentation/swiftui/state
@available(iOS 13.0, *)
@frozen @propertyWrapper public struct State<Value>: DynamicProperty {
    // https://developer.apple.com/documentation/swiftui/state/init(wrappedvalue:)
    public init(wrappedValue value: Value) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/state/init(initialvalue:)
    public init(initialValue value: Value) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/state/wrappedvalue
    public var wrappedValue: Value {
        get { fatalError() }
        nonmutating set { fatalError() }
    }
    // https://developer.apple.com/documentation/swiftui/state/projectedvalue
    public var projectedValue: Binding<Value> { fatalError() }
    public mutating func update() {}
}

// https://developer.apple.com/documentation/swiftui/state
@available(iOS 13.0, *)
extension State: Sendable where Value: Sendable {}

// https://developer.apple.com/documentation/swiftui/binding
@available(iOS 13.0, *)
@frozen @propertyWrapper @dynamicMemberLookup public struct Binding<Value>: DynamicProperty {
    // https://developer.apple.com/documentation/swiftui/binding/init(get:set:)-7ufcp
    @preconcurrency public init(
        get: @escaping @isolated(any) @Sendable () -> Value,
        set: @escaping @isolated(any) @Sendable (Value) -> Void
    ) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/binding/init(projectedvalue:)
    public init(projectedValue: Binding<Value>) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/binding/wrappedvalue
    public var wrappedValue: Value {
        get { fatalError() }
        nonmutating set { fatalError() }
    }
    // https://developer.apple.com/documentation/swiftui/binding/projectedvalue
    public var projectedValue: Binding<Value> { fatalError() }
    // https://developer.apple.com/documentation/swiftui/binding/subscript(dynamicmember:)
    public subscript<Subject>(dynamicMember keyPath: WritableKeyPath<Value, Subject>) -> Binding<Subject> {
        fatalError()
    }
    public mutating func update() {}
}

// https://developer.apple.com/documentation/swiftui/binding
@available(iOS 13.0, *)
extension Binding: Sendable where Value: Sendable {}

// https://developer.apple.com/documentation/swiftui/bindable
@available(iOS 17.0, *)
@dynamicMemberLookup @propertyWrapper public struct Bindable<Value> {
    // https://developer.apple.com/documentation/swiftui/bindable/wrappedvalue
    public var wrappedValue: Value
    // https://developer.apple.com/documentation/swiftui/bindable/projectedvalue
    public var projectedValue: Bindable<Value> { fatalError() }
    // SwiftUI.swiftinterface declares these two unavailable here; the usable ones require an
    // Observable object (the extension below).
    @available(*, unavailable, message: "The wrapped value must be an object that conforms to Observable")
    public init(wrappedValue: Value) { fatalError() }
    // SwiftUI.swiftinterface (unavailable, as above)
    @available(*, unavailable, message: "The wrapped value must be an object that conforms to Observable")
    public init(projectedValue: Bindable<Value>) { fatalError() }
}

@available(iOS 17.0, *)
extension Bindable where Value: AnyObject {
    // https://developer.apple.com/documentation/swiftui/bindable/subscript(dynamicmember:)
    public subscript<Subject>(dynamicMember keyPath: ReferenceWritableKeyPath<Value, Subject>) -> Binding<Subject> {
        fatalError()
    }
}

@available(iOS 17.0, *)
extension Bindable where Value: AnyObject, Value: Observable {
    // https://developer.apple.com/documentation/swiftui/bindable/init(wrappedvalue:)
    public init(wrappedValue: Value) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/bindable/init(_:)
    public init(_ wrappedValue: Value) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/bindable/init(projectedvalue:)
    public init(projectedValue: Bindable<Value>) { fatalError() }
}

// https://developer.apple.com/documentation/swiftui/bindable
@available(iOS 17.0, *)
extension Bindable: Sendable where Value: Sendable {}

// https://developer.apple.com/documentation/swiftui/bindable
@available(iOS 17.0, *)
extension Bindable: DynamicProperty {
    public mutating func update() {}
}

// https://developer.apple.com/documentation/swiftui/focusstate
@available(iOS 15.0, *)
@frozen @propertyWrapper public struct FocusState<Value>: DynamicProperty where Value: Hashable {
    // https://developer.apple.com/documentation/swiftui/focusstate/binding
    @frozen @propertyWrapper public struct Binding {
        private let location: AnyObject
        // https://developer.apple.com/documentation/swiftui/focusstate/binding/wrappedvalue
        public var wrappedValue: Value {
            get { fatalError() }
            nonmutating set { fatalError() }
        }
        // https://developer.apple.com/documentation/swiftui/focusstate/binding/projectedvalue
        public var projectedValue: FocusState<Value>.Binding { fatalError() }
    }
    // https://developer.apple.com/documentation/swiftui/focusstate/wrappedvalue
    public var wrappedValue: Value {
        get { fatalError() }
        nonmutating set { fatalError() }
    }
    // https://developer.apple.com/documentation/swiftui/focusstate/projectedvalue
    public var projectedValue: FocusState<Value>.Binding { fatalError() }
    // https://developer.apple.com/documentation/swiftui/focusstate/init()
    public init() where Value == Bool { fatalError() }
    public mutating func update() {}
}

// https://developer.apple.com/documentation/swiftui/environment
@available(iOS 13.0, *)
@frozen @propertyWrapper public struct Environment<Value>: DynamicProperty {
    // https://developer.apple.com/documentation/swiftui/environment/init(_:)
    public init(_ keyPath: KeyPath<EnvironmentValues, Value>) { fatalError() }
    // https://developer.apple.com/documentation/swiftui/environment/wrappedvalue
    public var wrappedValue: Value { fatalError() }
    public mutating func update() {}
}

// https://developer.apple.com/documentation/swiftui/environment
@available(iOS 13.0, *)
extension Environment: Sendable where Value: Sendable {}

// https://developer.apple.com/documentation/swiftui/environmentvalues
@available(iOS 13.0, *)
public struct EnvironmentValues: CustomStringConvertible {
    // https://developer.apple.com/documentation/swiftui/environmentvalues/init()
    public init() { fatalError() }
    // https://developer.apple.com/documentation/swiftui/environmentvalues/description
    public var description: String { fatalError() }
    // https://developer.apple.com/documentation/swiftui/environmentvalues/scenephase
    @available(iOS 14.0, *)
    public var scenePhase: ScenePhase {
        get { fatalError() }
        set { fatalError() }
    }
}

// https://developer.apple.com/documentation/swiftui/scenephase
@available(iOS 14.0, *)
public enum ScenePhase: Comparable, Hashable, Sendable {
    // https://developer.apple.com/documentation/swiftui/scenephase/background
    case background
    // https://developer.apple.com/documentation/swiftui/scenephase/inactive
    case inactive
    // https://developer.apple.com/documentation/swiftui/scenephase/active
    case active
}
