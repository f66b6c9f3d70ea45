// The key store foreign trait on the Keychain: generic passwords readable only while the device
// is unlocked, never leaving this device (kSecAttrAccessibleWhenUnlockedThisDeviceOnly, no
// iCloud, no backup). Where a Secure Enclave exists, every value is first encrypted to a P-256
// key generated inside it (ECIES, AES-GCM), so a Keychain dump alone reveals nothing.

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

    func load(name: String) -> Data? {
        var query = baseQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess,
              let stored = item as? Data, let format = stored.first
        else { return nil }
        let body = stored.dropFirst()
        switch format {
        case Self.plain:
            return Data(body)
        case Self.enclave:
            guard let key = Self.wrappingKey(create: false) else { return nil }
            return SecKeyCreateDecryptedData(key, Self.algorithm, Data(body) as CFData, nil) as Data?
        default:
            return nil
        }
    }

    func store(name: String, value: Data) throws {
        var stored = Data()
        if SecureEnclave.isAvailable, let key = Self.wrappingKey(create: true),
           let publicKey = SecKeyCopyPublicKey(key),
           let sealed = SecKeyCreateEncryptedData(publicKey, Self.algorithm, value as CFData, nil) as Data? {
            stored.append(Self.enclave)
            stored.append(sealed)
        } else {
            stored.append(Self.plain)
            stored.append(value)
        }
        SecItemDelete(baseQuery(name) as CFDictionary)
        var add = baseQuery(name)
        add[kSecValueData as String] = stored
        add[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        guard SecItemAdd(add as CFDictionary, nil) == errSecSuccess else {
            throw KeyStoreError.Unavailable
        }
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

    /// The Secure Enclave key that wraps every value, created once.
    private static func wrappingKey(create: Bool) -> SecKey? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: wrapTag,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef as String: true,
        ]
        var item: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let item {
            return (item as! SecKey)
        }
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
