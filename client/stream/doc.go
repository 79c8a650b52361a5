// Package stream seals a byte stream with AES-256-GCM in the STREAM
// construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
// Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015),
// so that truncation, reordering and tampering are detected and any
// segment can be opened alone.
//
// # Format, version 1
//
// The plaintext is cut into segments of SegmentSize = 65536 bytes; the last
// segment holds the remaining 0..65536 bytes. There are
// max(1, ceil(n / 65536)) segments: an empty plaintext is one empty final
// segment, so a stream cut to zero bytes is detected too, and a plaintext
// whose length is a multiple of 65536 ends with a full final segment (never
// an extra empty one).
//
// Segment i is sealed as
//
//	AES-256-GCM(key, nonce(i, last), segment, no additional data)
//
// and is the segment's bytes followed by the 16-byte tag, so a full segment
// is SealedSegmentSize = 65552 bytes. The 12-byte nonce is
//
//	nonce[0:11] = i as an 88-bit big-endian counter
//	nonce[11]   = 1 for the final segment, 0 otherwise
//
// There is no random nonce prefix and no header: every stream key is used
// for exactly one stream (a file key is fresh and random, and every other
// use gets its own derived key), so the counter alone never repeats a
// nonce. Nothing else (segment size, length, version) is in the stream: the
// manifest records them. The sealed stream is the segments concatenated;
// its length is SealedSize(n) = n + 16 × segments, so segment i starts at
// i × 65552, and a plaintext range maps to a ciphertext range
// (SegmentRange) without reading anything.
//
// A reader knows a segment is final because the stream ends after it. A
// segment that opens only with the flag it should not have reveals the
// attack: a full non-final segment at the end of the stream means the
// stream was cut at a segment boundary (ErrTruncated); anything else that
// does not open is ErrTampered (a flipped bit, reordered segments, the
// wrong key, or a cut inside a segment). Reader never returns a byte of a
// segment before that segment has authenticated.
//
// # Compression
//
// Compression (zstd, see Compress and Decompress) is applied to the whole
// plaintext before sealing, not per segment: it is simpler, compresses
// better, and keeps this format unaware of it. The price is that plaintext
// offsets of a compressed file do not map to segments: a range read of a
// compressed file decrypts and decompresses from the start, discarding
// what precedes the range. Callers should compress only where it pays
// (text, logs) and leave already-compressed media uncompressed so their
// ranges stay cheap. The manifest records whether a file was compressed.
package stream
