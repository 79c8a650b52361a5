// Package chunk is the storage node's chunk protocol,
// /scatterbytes/chunk/1.0.0 (the prefix comes from the network profile):
// PUT, GET with byte ranges, HAS and DELETE of content-addressed chunks
// (see package store for chunk IDs), with signed storage orders and
// receipts that later availability proofs and payouts refer to, and SPACE,
// which tells a client how much room a node has left before it places a
// chunk there.
//
// A Service serves a store.Store on a node; a Client talks to nodes.
//
// # Who may talk
//
// The service is registered on the node's gated host (node.Node.Host):
// the stream of a peer without a verified membership certificate is reset
// before a byte is read, so an outsider can neither PUT nor GET. Any
// verified member (client, node doing repair, coordinator spot-checking)
// may GET, HAS and SPACE. PUT and DELETE are tied to the order's signer: a PUT's
// order must be signed by the stream's remote peer (an order cannot be
// carried by a third party; the TLS-authenticated peer ID is the proof of
// origin and replay by anyone else is refused), and only that peer may
// later DELETE the chunk. DELETE therefore needs no signature of its own.
//
// # Framing
//
// Every exchange is one stream. Headers are protobuf messages, each
// preceded by its length as an unsigned varint (the libp2p msgio
// convention), at most MaxMessage (64 KiB) long: a longer prefix is
// refused before anything is read. Bulk bytes follow a header raw, with
// no framing: their length is stated in the header.
//
//	PUT     → Request{op=1, chunk, size, order}
//	        ← Response{status=CONTINUE}   (or a final response, see below)
//	        → size raw bytes, then close-write
//	        ← Response{status=OK, receipt, free+1}
//	GET     → Request{op=2, chunk, offset, length+1}
//	        ← Response{status=OK, size=chunk size, length=n}, then n raw bytes
//	HAS     → Request{op=3, chunk}
//	        ← Response{status=OK, size}
//	DELETE  → Request{op=4, chunk}
//	        ← Response{status=OK}
//	SPACE   → Request{op=5}
//	        ← Response{status=OK, free+1, capacity}
//	PLACE   → Request{op=6, placement}
//	        ← Response{status=OK, placement (the merged record the node keeps)}
//	PLACEMENT → Request{op=7, chunk}
//	        ← Response{status=OK, placement (of the chunk's stripe)}
//
// Any step may instead be answered by a failure response, after which the
// node closes the stream. A stream reset means the exchange broke (peer
// gone, timeout, or a failure after GET's data began).
//
// The PUT body is sent only after CONTINUE, and the node sends CONTINUE
// only when its store asks for the first byte, i.e. after the order was
// judged, the chunk found absent and room reserved. So an order the node
// will not honour and a full disk cost the client no body bytes. If the
// chunk is already stored under an order of the same client, the node
// answers HAVE with a receipt for that order and the order itself, and no
// body is sent: a resumed upload skips what it already placed. A chunk
// held under another client's order is refused (ErrNotOwner) rather than
// shared, since its owner may delete it. A zero-length chunk gets its
// final response without CONTINUE.
//
// The node hashes the body while its store writes it (BLAKE3, against the
// chunk ID) and refuses a mismatch or a short body, keeping nothing.
//
// A GET of a whole chunk (offset 0, to the end) is hashed again as it goes
// out, and its last byte is held back until the hash is known. If the
// bytes no longer match the ID (rot at rest the scrub has not reached
// yet), the node resets the stream one byte short, so the client sees a
// failed fetch rather than a whole chunk it must find wrong, and the node
// quarantines the chunk at once (store.Quarantiner) and logs it: later
// requests for it are answered corrupt (28). A GET of a range is sent
// unchecked: a BLAKE3 root cannot vouch for part of a chunk without the
// rest of it (or a stored outboard tree the store does not keep), and
// hashing the whole chunk to send a slice would cost a full read per
// request. The reader of a range checks it its own way (the client's
// AES-GCM), and the scrub catches the rot.
//
// # Messages
//
// Field numbers; all integers are varints, times are milliseconds since
// the Unix epoch (0: none), CIDs and peer IDs are their binary forms.
//
//	Request   1 op  2 chunk  3 size  4 order (Order bytes)  5 offset
//	          6 length+1 (0 or absent: to the end of the chunk)
//	          7 placement (package p2p/placement's record, ≤ 32 KiB)
//	Response  1 status  2 message (≤1 KiB, for logs)  3 size  4 length
//	          5 receipt (Receipt bytes)  6 order (Order bytes, with HAVE)
//	          7 free+1 (0 or absent: not stated)  8 capacity (0: none)
//	          9 placement
//	Order     1 chunk  2 size  3 expiry  4 k  5 m  6 client  7 created
//	          8 nonce  9 stripe (repeated: every shard ID)  15 signature
//	Receipt   1 chunk  2 size  3 node  4 stored_at  5 order_hash (32 bytes)
//	          15 signature
//
// chunk.proto is the schema, with every field's caps; orders and receipts
// are at most 4 KiB (MaxOrder, the store's metadata limit). Decoders follow package internal/wire's policy: they
// skip unknown fields, so later versions may add some, and refuse
// groups, wrong wire types, a non-repeated field given twice (so no two
// readers of a signed order disagree), a missing required field (all of
// an order's and a receipt's; a request's op, a response's status) and
// values over their caps (integers above 2^62, times after year 9999).
// testdata/*.golden pins the encodings; every decoder is fuzzed.
//
// # Orders and receipts
//
// An order's canonical encoding writes fields 1–8 in order, each always
// present, then the stripe's IDs (field 9, absent when the order has no
// stripe, so orders made before it keep their bytes and hashes), then the
// signature. The client signs, with its Ed25519 identity key,
// "scatterbytes order v1\x00" followed by fields 1–9; anyone verifies
// against the key embedded in the client's peer ID. Order.Hash is SHA-256
// of those signed bytes. The node keeps the encoded order as the chunk's
// metadata.
//
// An order with a stripe names every shard of the chunk's stripe (k+m
// distinct IDs, at most MaxStripe, the order's chunk among them, all of
// the order's size). It is the stripe's record on the ciphertext side:
// any holder knows the stripe's other members and its k and m without the
// manifest or the file key. An order covers its own chunk and every shard
// its stripe names (Order.Covers).
//
// A PUT may come from any member, not only the order's client, and may
// carry any chunk the order covers: that is how a holder repairs a stripe
// (or a replicated chunk) while its owner is away (package p2p/storage,
// "Repair"). The node keeps the client's order, so the client still owns
// the copy. The risk is bounded: the bytes must hash to an ID the client
// signed, so a member can only place what the client asked the network
// to keep, under the client's expiry.
//
// A node refuses a PUT whose order is malformed, unsigned or badly signed
// (ErrBadOrder), expired (ErrOrderExpired), not covering the chunk the
// request announces or of another size (ErrOrderMismatch), or larger than
// MaxChunk (ErrTooLarge); a store without room answers store.ErrNoSpace.
//
// A receipt is the node's signature, with its identity key, over
// "scatterbytes receipt v1\x00" followed by fields 1–5: the node stored
// this chunk of this size at this time under the order with this hash.
// Anyone can verify it from the node's peer ID alone (VerifyReceipt).
//
// # Space
//
// A node states its free bytes (store.Usage.Free: capacity minus the chunk
// files it holds, headers included; reservations of PUTs in flight are
// not subtracted) in SPACE's answer and, so that a client keeps its view
// current without asking, in PUT's final response (OK or HAVE) and in a
// no-space refusal. The field carries free+1 so that a response without
// it states nothing: a node with no limit never states it, and neither
// did nodes before SPACE. SPACE also gives the capacity. The numbers are
// advice for placement, not a reservation: every PUT is judged on its own.
//
// SPACE came after 1.0.0 without a new protocol version: an older node
// refuses op 5 as a bad message, which a client takes as "unknown".
//
// # Placement records
//
// PLACE and PLACEMENT carry a stripe's placement record (package
// p2p/placement: the stripe's shard IDs and, per shard, a few holders),
// which every holder of a member keeps (Config.Placements), so that
// readers, repairers and leaving nodes find a stripe's holders without
// per-chunk DHT provider records. They ride on this protocol rather than a
// new one because they are about the chunks a node holds: the same gated
// host, per-peer limits, store and orders judge them, and an older node
// refuses op 6 and 7 as a bad message, which a writer takes as "keeps no
// records".
//
// A node takes a PLACE only for a stripe it holds a member of under an
// order naming the same stripe (else store.ErrNotFound, or
// ErrOrderMismatch), and only from the client whose order that is, from a
// peer its own record names as a holder, or from the peer that last put a
// member on it (the repairer or leaving node that handed it a shard, which
// tells it the record next); anyone else is refused ErrNotHolder. A
// holder dated more than 10 minutes ahead of the node's clock is refused
// as a bad message: it would stay the newest entry for good. It
// merges the record into its own (placement.Merge) and answers with the
// result. PLACEMENT, like GET, is any verified member's to ask, for a
// chunk the node holds.
//
// # Status codes
//
//	1 OK  2 CONTINUE  3 HAVE
//	16 bad message  17 bad order  18 order expired  19 order mismatch
//	20 too large  21 no space  22 not found  23 bytes mismatch  24 range
//	25 not owner  26 busy  27 exists  28 corrupt  29 bad chunk ID
//	30 not holder (PLACE from a peer without authority over the stripe)
//	31 internal (details stay in the node's log)
//
// errorToCode and codeToError map them to the package's and package
// store's sentinel errors, so a client decides with errors.Is.
//
// # Limits
//
// A node serves at most MaxStreamsPerPeer (8) exchanges per peer at once
// and at most MaxBytesPerPeer of PUT bodies in flight per peer (16 MiB:
// four whole chunks); beyond either it answers busy. The request header
// must arrive within 10 s; a PUT body must keep arriving at MinRate (16
// KiB/s) after RateSlack (10 s), i.e. its first n bytes by 10 s + n/16 KiB
// after the go-ahead; and each exchange must finish within Timeout (2
// minutes); otherwise its stream is reset and everything the exchange held
// (its slot, its bytes of budget, the store's space reservation) is freed
// at once. ProtocolLimit gives the matching resource-manager budget for
// node.WithProtocolLimit: 512 streams, 16 per peer, 512 MiB of memory, 64
// MiB per peer (room for yamux windows to grow). A header's length prefix
// over MaxMessage is refused before a byte of it is read.
//
// Why these numbers. The unit is a chunk (4 MiB): a client uploading a
// stripe sends one chunk per node at a time and downloads use a few
// streams per holder, so 8 exchanges and 4 chunks in flight per peer never
// slow an honest client (measured: the 64 MiB put+get of
// TestAbuseFromVerifiedPeer beside a peer that sits on every limit takes
// about twice as long, on the same two cores), while one hostile member
// holds at most 8 streams, 16 MiB of PUT buffers and 64 MiB of yamux
// windows here. MinRate is a quarter of the rate Timeout already demands
// of a whole chunk (64 KiB/s), so it cuts only a peer that trickles: a
// byte a second is cut after about 10 s instead of holding its share for 2
// minutes. What only a faulty or hostile peer does (over its limits, a
// malformed request, a body too slow) is logged at warning level at most
// once a kind per 10 s (internal/ratelog) with the count held back.
package chunk
