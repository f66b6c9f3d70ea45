// Security's keychain and key functions, as much of them as the app uses, with Apple's
// published signatures. Linux-only interface for type-checking the app; see ../README.md.
//
// On Apple platforms these C functions take Core Foundation types, which are toll-free
// bridged to the Foundation classes: that is why `query as CFDictionary`, `data as CFData` and
// `kSecClass as String` compile there. Linux has no toll-free bridging, so the CF types are
// declared here as the Foundation classes they bridge to, which keeps those conversions
// type-checked the same way.

@_exported import Foundation

// https://developer.apple.com/documentation/corefoundation/cfdictionary
public typealias CFDictionary = NSDictionary
// https://developer.apple.com/documentation/corefoundation/cfdata
public typealias CFData = NSData
// https://developer.apple.com/documentation/corefoundation/cfstring
public typealias CFString = NSString
// https://developer.apple.com/documentation/corefoundation/cferror
public typealias CFError = NSError
// https://developer.apple.com/documentation/corefoundation/cftyperef
public typealias CFTypeRef = AnyObject
// https://developer.apple.com/documentation/corefoundation/cfallocator
public final class CFAllocator {}
// https://developer.apple.com/documentation/kernel/osstatus
public typealias OSStatus = Int32

// https://developer.apple.com/documentation/security/errsecsuccess
public var errSecSuccess: OSStatus { fatalError() }
// https://developer.apple.com/documentation/security/errsecitemnotfound
public var errSecItemNotFound: OSStatus { fatalError() }
// https://developer.apple.com/documentation/security/errsecduplicateitem
public var errSecDuplicateItem: OSStatus { fatalError() }
// https://developer.apple.com/documentation/security/errsecinteractionnotallowed
public var errSecInteractionNotAllowed: OSStatus { fatalError() }

// https://developer.apple.com/documentation/security/secitemcopymatching(_:_:)
@discardableResult public func SecItemCopyMatching(_ query: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    fatalError()
}
// https://developer.apple.com/documentation/security/secitemadd(_:_:)
@discardableResult public func SecItemAdd(_ attributes: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    fatalError()
}
// https://developer.apple.com/documentation/security/secitemupdate(_:_:)
@discardableResult public func SecItemUpdate(_ query: CFDictionary, _ attributesToUpdate: CFDictionary) -> OSStatus {
    fatalError()
}
// https://developer.apple.com/documentation/security/secitemdelete(_:)
@discardableResult public func SecItemDelete(_ query: CFDictionary) -> OSStatus { fatalError() }

// https://developer.apple.com/documentation/security/seckey
public final class SecKey {}
// https://developer.apple.com/documentation/security/secaccesscontrol
public final class SecAccessControl {}

// https://developer.apple.com/documentation/security/seckeyalgorithm
public struct SecKeyAlgorithm: Equatable, Hashable, RawRepresentable, @unchecked Sendable {
    // https://developer.apple.com/documentation/security/seckeyalgorithm/init(rawvalue:)
    public init(rawValue: CFString) { fatalError() }
    // https://developer.apple.com/documentation/security/seckeyalgorithm/rawvalue
    public let rawValue: CFString
    // https://developer.apple.com/documentation/security/seckeyalgorithm/eciesencryptioncofactorvariableivx963sha256aesgcm
    public static let eciesEncryptionCofactorVariableIVX963SHA256AESGCM: SecKeyAlgorithm = { fatalError() }()
}

// https://developer.apple.com/documentation/security/secaccesscontrolcreateflags
public struct SecAccessControlCreateFlags: OptionSet, Sendable {
    // https://developer.apple.com/documentation/security/secaccesscontrolcreateflags/init(rawvalue:)
    public init(rawValue: UInt) { self.rawValue = rawValue }
    // https://developer.apple.com/documentation/security/secaccesscontrolcreateflags/rawvalue
    public let rawValue: UInt
    // https://developer.apple.com/documentation/security/secaccesscontrolcreateflags/privatekeyusage
    public static let privateKeyUsage: SecAccessControlCreateFlags = { fatalError() }()
}

// https://developer.apple.com/documentation/security/seckeycopypublickey(_:)
@discardableResult public func SecKeyCopyPublicKey(_ key: SecKey) -> SecKey? { fatalError() }
// https://developer.apple.com/documentation/security/seckeycreateencrypteddata(_:_:_:_:)
@discardableResult public func SecKeyCreateEncryptedData(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ plaintext: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? { fatalError() }
// https://developer.apple.com/documentation/security/seckeycreatedecrypteddata(_:_:_:_:)
@discardableResult public func SecKeyCreateDecryptedData(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ ciphertext: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? { fatalError() }
// https://developer.apple.com/documentation/security/seckeycreaterandomkey(_:_:)
@discardableResult public func SecKeyCreateRandomKey(_ parameters: CFDictionary, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?)
    -> SecKey? { fatalError() }
// https://developer.apple.com/documentation/security/secaccesscontrolcreatewithflags(_:_:_:_:)
@discardableResult public func SecAccessControlCreateWithFlags(
    _ allocator: CFAllocator?, _ protection: CFTypeRef, _ flags: SecAccessControlCreateFlags,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> SecAccessControl? { fatalError() }

// https://developer.apple.com/documentation/security/ksecclass
public let kSecClass: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecclassgenericpassword
public let kSecClassGenericPassword: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecclasskey
public let kSecClassKey: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrservice
public let kSecAttrService: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattraccount
public let kSecAttrAccount: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrsynchronizable
public let kSecAttrSynchronizable: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecreturndata
public let kSecReturnData: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecreturnref
public let kSecReturnRef: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecmatchlimit
public let kSecMatchLimit: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecmatchlimitone
public let kSecMatchLimitOne: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecvaluedata
public let kSecValueData: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattraccessible
public let kSecAttrAccessible: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattraccessiblewhenunlockedthisdeviceonly
public let kSecAttrAccessibleWhenUnlockedThisDeviceOnly: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrapplicationtag
public let kSecAttrApplicationTag: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrkeytype
public let kSecAttrKeyType: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrkeytypeecsecprimerandom
public let kSecAttrKeyTypeECSECPrimeRandom: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrkeysizeinbits
public let kSecAttrKeySizeInBits: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrtokenid
public let kSecAttrTokenID: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrtokenidsecureenclave
public let kSecAttrTokenIDSecureEnclave: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecprivatekeyattrs
public let kSecPrivateKeyAttrs: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattrispermanent
public let kSecAttrIsPermanent: CFString = { fatalError() }()
// https://developer.apple.com/documentation/security/ksecattraccesscontrol
public let kSecAttrAccessControl: CFString = { fatalError() }()
