// Package identity holds a party's long-lived Ed25519 libp2p identity key.
//
// Every ScatterBytes party (node, client, coordinator) is identified by the
// libp2p peer ID derived from one Ed25519 key. The same key secures libp2p
// connections and is the SubjectPublicKeyInfo of the party's membership
// certificate (see package cert).
//
// # Key file format
//
// The key file is a single PEM block (RFC 7468 textual encoding):
//
//	-----BEGIN SCATTERBYTES IDENTITY KEY-----
//	<base64 of the libp2p protobuf private key>
//	-----END SCATTERBYTES IDENTITY KEY-----
//
// The block has no headers. Its body is the output of libp2p's
// crypto.MarshalPrivateKey, i.e. the protobuf message
//
//	message PrivateKey { required KeyType Type = 1; required bytes Data = 2; }
//
// with Type = Ed25519 (1) and Data = the 64-byte Ed25519 private key in the
// RFC 8032 / crypto/ed25519 layout: 32-byte seed followed by the 32-byte
// public key. On reading, the legacy 96-byte libp2p form (public key repeated)
// is also accepted; the public half must be the one derived from the seed.
// Any other key type, a second PEM block, or non-whitespace text outside the
// block is refused (ErrBadKey). Files are at most 64 KiB.
//
// testdata/identity.key is the golden example for the seed 0x00..0x1f.
//
// # File handling
//
// Save writes the file atomically (temporary file in the same directory,
// fsync, link into place, fsync of the directory) with mode 0600 and never
// replaces an existing file (ErrExists), so an identity cannot be lost by a
// second `scatterbytes init`. Load refuses a file that group or others may
// read (ErrKeyPermissions) because a leaked key lets anyone impersonate the
// party until its certificate is revoked.
//
// A Key cannot be printed (fmt, slog and %#v show only the peer ID) or
// compared with ==; compare PeerID() values instead.
package identity
