/** The sops cipher: ENC values, scalar encoding, tree encryption and the MAC. Knows nothing of files or keys. */
export { decryptValue, encryptValue, isEncValue, parseEncValue, IV_BYTES } from './aes.js';
export type { DecryptedValue, EncValue } from './aes.js';
export { decryptMac, encryptMac, verifyMac } from './mac.js';
export { compileSelector, selectorsInUse, DEFAULT_UNENCRYPTED_SUFFIX } from './selector.js';
export { decryptTree, decryptTreeVerified, encryptTree, plaintextMac } from './tree-crypt.js';
export type { DecryptTreeResult, EncryptTreeOptions, EncryptTreeResult, IvStash, StoredMac } from './tree-crypt.js';
export { aadOf } from './tree-walk.js';
export { macBytes, plaintextToScalar, scalarToPlaintext } from './values.js';
export { formatGoFloat, parseGoBool, parseGoFloat, parseGoInt } from './go-strconv.js';
