// Package keys holds the client's secret keys and the on-disk format of the
// master key.
//
// # Key types
//
// A MasterKey (one per client, made at init) and a FileKey (one per file,
// fresh and random) are 32 random bytes. Both types are secrets: they cannot
// be compared with == (they carry an incomparable field), and every fmt verb,
// slog and encoding/json print them as "keys.MasterKey(redacted)" /
// "keys.FileKey(redacted)". The raw bytes are reachable only through Raw,
// so every use of them is greppable.
//
// # Derived keys
//
// Sub-keys are derived with BLAKE3's key derivation mode,
// blake3.DeriveKey(context, material), where context is a hard-coded,
// globally unique, application-specific string such as
// "scatterbytes catalog v1". MasterKey.Derive and FileKey.Derive both return
// a FileKey (a key that seals one stream), so two purposes never share a
// key or a nonce space.
//
// # Master key file, version 1
//
// All integers are big-endian.
//
//	offset size  field
//	0      4     magic "SBMK"
//	4      1     version = 1
//	5      1     mode: 0 = plain, 1 = argon2id + AES-256-GCM
//
//	mode 0 (plain), total 38 bytes:
//	6      32    master key
//
//	mode 1 (passphrase), total 91 bytes:
//	6      4     argon2id time (iterations),       1 ≤ t ≤ 64
//	10     4     argon2id memory in KiB,           8 ≤ m ≤ 4 GiB/KiB
//	14     1     argon2id threads,                 1 ≤ p
//	15     16    salt (random)
//	31     12    AES-GCM nonce (random)
//	43     48    AES-256-GCM(KEK, nonce, master key, aad = bytes 0..43)
//
// KEK = argon2.IDKey(passphrase, salt, t, m, p, 32). The header is the
// additional data, so the KDF parameters cannot be weakened without the
// open failing. A failed open reports ErrBadPassphrase: a wrong passphrase
// and a tampered file look the same. DefaultKDF is t = 3, m = 64 MiB, p = 2
// (RFC 9106's second recommended option, a little more time); the
// parameters live in the file, so they can be raised later without breaking
// old files, and the bounds above keep a hostile file from asking for
// unbounded work.
//
// The file is written 0600 to a temporary name in the same directory,
// synced, and hard-linked into place, which is atomic and fails if the
// name exists: SaveMaster never overwrites a key. LoadMaster refuses a file
// readable or writable by group or others (ErrPermissions) regardless of
// the passphrase, since the file is also the proof of what the passphrase
// protects.
package keys
