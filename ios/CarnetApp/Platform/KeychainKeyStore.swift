// The key store foreign trait on the Keychain: generic passwords readable only while the device
// is unlocked, never leaving this device (kSecAttrAccessibleWhenUnlockedThisDeviceOnly, no
// iCloud, no backup). Where a Secure Enclave exists, every value is first encrypted to a P-256
// key generated inside it (ECIES, AES-GCM), so a Keychain dump alone reveals nothing.
//
// Errors are told apart for the core: nothing stored (`Absent`), the Keychain closed until the
// handheld is unlocked by its passcode (`TemporarilyUnavailable`: after a restart, or while the
// screen is locked), anything else (`Failed`). Only `Absent` means there is no key; the core
// waits for the others and never takes them for a handheld that is not enrolled. A value is
// replaced in place (or added when there is none): it is never deleted first, so a failed write
// keeps the previous key.

import CarnetFFI
import CryptoKit
import Foundation
import Security

final class KeychainKeyStore: KeyStore {
    private static let service = "fr.carnet.handheld.keys"
    private static let wrapTag = Data("fr.carnet.handheld.wrap".utf8)
    private static let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM
    // First byte of a stored value: how it is kept.
    private static let plain: UInt8 = 0
    private static let enclave: UInt8 = 1

    func load(name: String) throws -> Data {
        var query = baseQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        guard status == errSecSuccess else { throw Self.error(status) }
        guard let stored = item as? Data, let format = stored.first else {
            throw KeyStoreError.Failed(reason: "the stored value is empty")
        }
        let body = stored.dropFirst()
        switch format {
        case Self.plain:
            return Data(body)
        case Self.enclave:
            guard let key = try Self.wrappingKey(create: false) else {
                throw KeyStoreError.Failed(reason: "the Secure Enclave key is gone")
            }
            guard let value = SecKeyCreateDecryptedData(key, Self.algorithm, Data(body) as CFData, nil) as Data? else {
                throw KeyStoreError.Failed(reason: "the Secure Enclave could not unwrap the value")
            }
            return value
        default:
            throw KeyStoreError.Failed(reason: "unknown format \(format)")
        }
    }

    func store(name: String, value: Data) throws {
        let stored = try Self.sealed(value)
        let attributes: [String: Any] = [
            kSecValueData as String: stored,
            kSecAttrAccessible as String: kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
        ]
        // In place: the previous value stays until the new one is written.
        var status = SecItemUpdate(baseQuery(name) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            let add = baseQuery(name).merging(attributes) { _, new in new }
            status = SecItemAdd(add as CFDictionary, nil)
            if status == errSecDuplicateItem {
                // Added meanwhile: replace that one in place.
                status = SecItemUpdate(baseQuery(name) as CFDictionary, attributes as CFDictionary)
            }
        }
        guard status == errSecSuccess else { throw Self.error(status) }
    }

    func delete(name: String) {
        SecItemDelete(baseQuery(name) as CFDictionary)
    }

    private func baseQuery(_ name: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: Self.service,
            kSecAttrAccount as String: name,
            kSecAttrSynchronizable as String: false,
        ]
    }

    /// The Keychain's answer as the core's error.
    private static func error(_ status: OSStatus) -> KeyStoreError {
        switch status {
        case errSecItemNotFound: return .Absent
        case errSecInteractionNotAllowed: return .TemporarilyUnavailable
        default: return .Failed(reason: "Keychain status \(status)")
        }
    }

    /// `value` as stored: encrypted to the Secure Enclave's key where there is one (never kept
    /// unwrapped on a device that has one), as is on the simulator.
    private static func sealed(_ value: Data) throws -> Data {
        guard SecureEnclave.isAvailable else { return Data([plain]) + value }
        guard let key = try wrappingKey(create: true), let publicKey = SecKeyCopyPublicKey(key),
              let sealed = SecKeyCreateEncryptedData(publicKey, algorithm, value as CFData, nil) as Data?
        else { throw KeyStoreError.Failed(reason: "the Secure Enclave could not wrap the value") }
        return Data([enclave]) + sealed
    }

    /// The Secure Enclave key that wraps every value, created once; nil if there is none and
    /// `create` is false (or it cannot be made).
    private static func wrappingKey(create: Bool) throws -> SecKey? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: wrapTag,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef as String: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let item {
            return (item as! SecKey)
        }
        guard status == errSecItemNotFound else { throw error(status) }
        guard create,
              let access = SecAccessControlCreateWithFlags(
                nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, .privateKeyUsage, nil)
        else { return nil }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: wrapTag,
                kSecAttrAccessControl as String: access,
            ] as [String: Any],
        ]
        return SecKeyCreateRandomKey(attributes as CFDictionary, nil)
    }
}
