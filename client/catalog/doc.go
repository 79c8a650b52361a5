// Package catalog is the client's local list of what it has stored:
// volumes, the names in each volume, and the reference (manifest CID and
// file key) behind each name, kept in a goleveldb database in one
// directory. Everything in the directory is either a keyed hash or sealed
// with keys derived from the master key, so the directory alone reveals
// neither names nor references, only how many entries there are, which
// entries share a volume, and their approximate sizes.
//
// A Catalog is safe for concurrent use. Every method that touches the
// database takes a context first and checks it before starting and
// between records of a scan.
//
// # Names
//
// A volume and a name are non-empty, at most 1024 bytes, valid UTF-8; a
// volume contains no "/" (a name may). DefaultVolume is "default". Find
// matches path.Match patterns against "volume/name", so "*" in the name
// part does not cross a "/" inside a name.
//
// # Keys
//
// Two keys are derived from the master key (keys.MasterKey.Derive, which
// is BLAKE3 in key derivation mode):
//
//	seal key  = Derive("scatterbytes catalog v1")        AES-256-GCM
//	index key = Derive("scatterbytes catalog index v1")  keyed BLAKE3
//
// H(x) below is the first 16 bytes of keyed BLAKE3 under the index key;
// 128 bits keep accidental collisions out of reach (2^-64 at 2^32
// entries) and Get checks the decoded volume and name anyway. uvarint is
// the protobuf/encoding/binary unsigned varint.
//
// # Database layout, version 1
//
//	key                                   value
//	"v"                                   version record
//	"e/" ‖ H("v" ‖ volume) ‖ H("n" ‖ uvarint(len(volume)) ‖ volume ‖ name)
//	                                      sealed Entry message
//	"j/" ‖ H("j" ‖ id)                    sealed journal blob
//	"k/" ‖ H("j" ‖ id) ‖ uint64be(n)      sealed part n of that journal
//
// All of one volume's entries share a prefix, so listing a volume is one
// prefix scan and Volumes seeks from one volume to the next. The name
// hash covers the volume too, so the same name in two volumes does not
// show on disk as the same hash.
//
// A sealed value is
//
//	nonce (12 random bytes) ‖ AES-256-GCM(seal key, nonce, plaintext, aad = database key)
//
// The database key as additional data binds each value to its place: a
// value copied under another key, or an entry moved into the journal
// space, fails to open (ErrCorrupt). Random nonces under one key are safe
// well past 2^32 writes, far more than a catalog sees.
//
// # Version record
//
//	offset size  field
//	0      4     magic "SBCT"
//	4      1     version = 1
//	5      12    nonce
//	17     16    AES-256-GCM tag over an empty plaintext, aad = "v" ‖ bytes 0..5
//
// Open writes it into an empty database and otherwise reads it first: a
// version other than 1 is ErrVersion, a tag that does not verify is
// ErrWrongKey (the version record is the first thing decrypted, so a
// wrong key is reported as such, never as garbage), and a database with
// records but no version record is ErrCorrupt. A later format gets a new
// version; this one's readers refuse it rather than misread it.
//
// # Entry message
//
// The plaintext of an entry is a protobuf message in the standard wire
// format, written by hand with protowire; catalog.proto beside this file
// is its schema, with every field's caps (volume and name at most 1024
// bytes, the manifest a binary CID that is a store chunk ID, the key the
// 32-byte file key, the redundancy canonical "k+m" as package erasure
// prints it, the creation time absent when unknown).
//
// Writers emit fields in field-number order, all of them except an
// unknown creation time. Readers follow package internal/wire's decoding
// policy: an input over 4 KiB is refused before parsing; groups, a known
// field with the wrong wire type or given twice, a missing required
// field and a value over its cap are refused; well-formed unknown fields
// are skipped so optional fields can be added within version 1. They
// then refuse any value breaking the rules above. Creation times are
// kept to the millisecond and returned in UTC.
//
// # Journals
//
// PutJournal stores an opaque blob and any parts (each at most
// MaxJournalSize bytes, at most MaxJournalParts parts) under a
// caller-chosen id (non-empty, at most 1024 bytes), replacing the whole
// journal; AppendJournal adds one part. The upload engine uses a journal
// to resume an interrupted upload: it writes the journal whole when an
// upload starts and appends a part for each stripe stored, so an
// upload's journal writes grow with the file, not with its square. The
// id itself is not stored: Journals returns the journals alone, and the
// upload engine keeps the id in its blob to list and remove unfinished
// uploads. A part's key ends in its number, big-endian, so a prefix scan
// returns the parts in the order they were written; reads are made on
// one snapshot, so a journal is never seen half-written.
// DeleteJournal of an absent id is not an error, so cleanup can be
// unconditional.
//
// # Durability
//
// Every write is synced before it returns: losing a catalog entry loses
// the only copy of a file's key. Compression is off, since sealed values
// do not compress.
package catalog
