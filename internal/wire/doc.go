// Package wire is the one decoding policy for ScatterBytes' protobuf
// messages: every hand-written decoder (chunk protocol headers, orders and
// receipts, certificate and enrolment messages, manifests, catalog
// entries) describes its message as a table and walks its bytes through
// Message.Decode. It knows nothing of ScatterBytes; it imports only the
// standard library and protowire.
//
// # Schemas
//
// A Message lists its fields: number, name, kind, whether repeated,
// whether required, and caps. Its .proto file, kept beside the code that
// uses it, is the readable form of the same table; MatchProto fails when
// the two differ, and each package's tests call it, so the .proto is the
// specification and cannot drift. Kinds and their proto3 types:
//
//	Uint64  uint64  varint
//	Sint64  sint64  zigzag varint
//	Bool    bool    varint, 0 or 1
//	Bytes   bytes   length-delimited
//	String  string  length-delimited, valid UTF-8
//	Embed   a message type declared in the same file, length-delimited;
//	        the caller decodes it with that message's own schema
//
// Only length-delimited fields may be repeated (so there is no packed
// encoding to disagree about). Caps are written in a field's trailing
// comment in the .proto, as clauses separated by ";":
//
//	required          the field must appear (a repeated one at least once)
//	max N bytes       longest value of a length-delimited field
//	min N bytes       shortest value of a length-delimited field
//	max N items       most occurrences of a repeated field
//	max N             largest value of a uint64 field
//
// N is decimal, 2^K or 2^K-1. A message's own limit is the clause
// "max N bytes" in the comment on its "message Name {" line. Other
// clauses are free text.
//
// # Decoding policy
//
// Message.Decode applies, in this order:
//
//  1. The message is at most Max bytes, checked before a byte is parsed.
//  2. Every tag and every length or varint is well formed; input that
//     ends inside a field is refused.
//  3. A field number the schema does not know is skipped if its wire type
//     is varint, fixed32, fixed64 or length-delimited, so later versions
//     may add fields. Groups (start and end group, long obsolete) are
//     refused, known or not.
//  4. A known field has the wire type of its kind; any other is refused.
//  5. A known field that is not repeated appears at most once. Protobuf's
//     "last one wins" would let two decoders read different values from
//     one signed message; here a duplicate is an error.
//  6. Caps hold: length-delimited values within [Min, Max] bytes (Max
//     must be set), repeated fields at most MaxCount times, uint64
//     values at most Max when Max is set, bool values 0 or 1, string
//     values valid UTF-8.
//  7. Each known field that passed is handed to the caller's function in
//     wire order; an error it returns stops the walk.
//  8. After the last field, every required field has appeared.
//
// Every failure is an *Error naming the message and field, and matches
// ErrMalformed with errors.Is; an error from the caller's function stays
// in the chain too. Each protocol wraps it in its own sentinel.
//
// Encoders stay hand-written (Append* help): they write fields in number
// order, so encodings are canonical and golden files pin them.
package wire
