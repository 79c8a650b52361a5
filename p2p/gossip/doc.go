// Package gossip is the network's gossip topic, scatterbytes/<network>/proofs:
// the coordinator's beacons (one per epoch), the storage nodes'
// availability proofs (one per node per epoch) and the CA's CRLs travel on
// it. It is gossipsub (go-libp2p-pubsub) set up so that only verified
// members take part, every message is signed by its author and bounded,
// and a member that forwards garbage loses its voice.
//
// The package knows kinds, not formats: each message is an envelope
// {kind, epoch, payload}, and the role that understands a kind registers
// its validator (package proof judges beacons and proofs; the CRL kind is
// judged against the CA).
//
//	r := node.Gossip()                       // the node's Router
//	t, _ := gossip.Join(r)
//	t.RegisterValidator(gossip.KindBeacon, checkBeacon)
//	t.RegisterValidator(gossip.KindProof, checkProof)
//	sub, _ := t.Subscribe(gossip.KindProof) // the node enters the mesh now
//	t.Publish(ctx, gossip.KindProof, epoch, signedProof)
//	msg, _ := sub.Next(ctx)                  // msg.Author signed it
//
// Register every validator before the first Subscribe or Relay: from then
// on a message of a kind without a validator is rejected, and its
// forwarder penalised.
//
// # Router
//
// NewRouter starts gossipsub on the node's gated host with:
//
//   - Private protocol IDs, <prefix>/meshsub/1.2.0 and 1.1.0 (Protocols):
//     a stock IPFS pubsub peer (/meshsub/...) never meshes with us. 1.2
//     adds IDONTWANT, which spares a peer copies of a 40 KiB proof it has.
//   - Strict signing (StrictSign): every message carries its author's
//     signature, checked before any validator runs; unsigned ones are
//     dropped. The author is the libp2p key of a member, so a message
//     cannot be forged in another member's name.
//   - Message IDs derived from author and data (BLAKE3), not from the
//     author's sequence number: the same envelope published twice is one
//     message, which pubsub's seen-cache drops.
//   - The peer filter (gate.PeerFilter): only verified peers are grafted,
//     gossiped to or published to. The gated host does the rest: an
//     unverified peer's pubsub stream is reset before a byte is read, and
//     none is opened to it, so it can neither send nor receive.
//   - A size cap: an RPC frame is at most MaxEnvelope + 4 KiB (a longer
//     one resets the stream); an envelope at most MaxEnvelope (800 KiB:
//     a proof of 16 samples of 4 MiB chunks is about 560 KB, and
//     proof.MaxProofSize is 768 KiB).
//   - Peer scoring (below), flood publishing and peer exchange off (the
//     DHT finds peers; PX would hand out addresses the gate has to refuse).
//
// Every router counts its traffic (Router.Traffic: RPCs and protobuf
// bytes sent and received) and follows its mesh (Router.Mesh), and every
// topic counts its validator's verdicts by reason (Topic.Counts), for
// metrics and for the tests.
//
// # Envelope
//
// envelope.proto is the schema, decoded under package internal/wire's
// policy: kind (required, < 2^32), epoch, payload (required, 1 byte to
// MaxPayload). Unknown fields are skipped, so a later version may add
// some; a field given twice is refused.
//
// # Validation
//
// The topic's validator runs on every message, received or published
// here, after pubsub has checked the signature. In order:
//
//  1. Size: data over MaxEnvelope → Reject.
//  2. The envelope decodes → else Reject.
//  3. The author (who signed) is not refused (revoked by the CRL or
//     blocked) → else Ignore: the forwarder may not hold that CRL yet.
//  4. The kind has a validator → else Reject.
//  5. The epoch is in the window (see Epochs) → else Ignore (stale) or
//     Reject (too far ahead).
//  6. One message per (author, kind, epoch): a second, different one is
//     an equivocation → Reject when the author itself sent it to us,
//     Ignore when a third peer relayed it (that peer may have seen the
//     other message first and forwarded it honestly: penalising it would
//     punish honest relays for the author's fault). The same message
//     again → Ignore.
//  7. A slot: at most GOMAXPROCS kind validators run at once (beacons
//     do not wait); a message whose epoch went stale while it waited →
//     Ignore. Without the bound, a burst on a machine short of CPU
//     shared it among every check, all finished late, and checks of
//     messages already too old to count kept the fresh ones late too.
//  8. The kind's validator: Accept, Reject (forged or invalid: penalises
//     the forwarder) or Ignore (no penalty). A message it does not accept
//     frees its (author, kind, epoch) slot, so a bad message does not
//     block the author's good one.
//
// The author may not be connected to us (messages are relayed): whether
// the author is a member is for the kind's validator to check, from the
// certificate the payload carries. This layer guarantees that the peer
// that handed us the message is verified, and that a verdict reaches the
// score of that peer.
//
// Publishing runs the same checks on this node's own message first: a
// second proof for an epoch, a stale or early epoch, or a payload the
// kind's validator rejects is never sent (ErrRefused).
//
// # Epochs
//
// The topic tracks the current epoch itself: an accepted beacon moves it
// forward, and SetEpoch moves it (the coordinator, as it starts an epoch).
// Until an epoch is known only beacons pass; every other kind is ignored
// (no penalty: a node that just started cannot judge them). With epoch E
// current since time t0:
//
//   - stale: epoch < E-1 → Ignore (a proof of the previous epoch may still
//     be on its way);
//   - too far ahead: epoch > E + 1 + ⌊(now - t0)/epoch length⌋ → Reject.
//     The bound grows with time, so a node that missed beacons never
//     refuses honest messages for being early, and catches up from the
//     next beacon.
//
// The (author, kind, epoch) records of epochs older than E-2 are
// forgotten; a hard cap (maxRecords, about 20 MB) bounds them besides, a
// message needing a record past it being ignored. A CRL is one message per
// epoch too: a second revocation in an epoch waits for the next.
//
// # Peer scoring
//
// Scores are gossipsub v1.1's. A peer's score is the sum of the terms
// below; at or above 0 it is a good peer; below a threshold it loses in
// steps: gossip (-50), publishing to it (-100), and below the graylist
// threshold (-400) every RPC it sends is dropped unread. A mesh peer with
// a negative score is pruned at the next heartbeat.
//
//   - P4, invalid messages: weight -10, and the term is the count squared:
//     k rejected messages cost 10·k². An honest peer forwards only what it
//     accepted itself, so it is charged only when validators disagree (a
//     node behind on a CRL or a version); one or two such cost 10–40. A
//     flooder is graylisted after about 7 (-490 against at most +50 of
//     credit), at which point its further messages, valid or not, are not
//     even read. The count decays to 1% over InvalidMemory (default ten
//     epochs): from the graylist a flooder gets one more message read
//     about every third of an epoch, each cheap to drop. This is the knob tests turn (a day, so the verdict outlasts
//     the test).
//   - P1, time in the mesh: +1 per epoch, at most +10; P2, first
//     deliveries of valid messages: +1 each, at most +40, decaying over
//     ten epochs. The topic score is capped at +50, so credit earned by
//     good behaviour cannot buy a flooder more than a few messages.
//   - P3 and P3b, mesh delivery rates: off. The topic carries a burst
//     once an epoch and nothing between; a quiet mesh peer is normal, and
//     penalising it would prune honest peers between bursts.
//   - P5, application score: off (weight 0); the coordinator's reputation
//     could feed it later.
//   - P6, IP colocation: off. Membership costs a certificate from the CA,
//     so peers crowding one address are not free sybils, and operators
//     with several nodes behind one NAT are honest.
//   - P7, protocol misbehaviour (GRAFT during backoff, broken IWANT
//     promises): weight -10 past 6 events, decaying over ten epochs.
//
// Time constants are counted in epochs, so a network of hour-long epochs
// and a test network of 1 s epochs behave alike: counters decay every
// tenth of an epoch, clamped to 1 s (pubsub's minimum) .. 1 min. Scores
// of a peer that disconnects are kept for InvalidMemory (at least ten
// epochs), so reconnecting does not wipe a flooder's record. The
// thresholds: gossip -50, publish -100, graylist -400, accept PX +10 (PX
// is off), opportunistic graft +1.
//
// Router.Score and Router.PeerScore read a snapshot of the scores taken
// every Config.InspectEvery (1 s by default).
//
// # Cost
//
// Every member receives every message, from each mesh peer that has it
// before learning (IDONTWANT) that it need not send it. BenchmarkGossipBytes
// measured 30 members (all pairs connected, mesh 7–8 peers), each
// publishing one 40 KiB message per epoch: all at once, 8.0–8.8 MB sent
// per node per epoch (the busiest node 12–13.6 MB); one after another,
// 7.7 MB (busiest 11.3 MB); the same received. That is ~190–214 copies of
// a 40 KiB message per node where 30 distinct messages exist: 6–7 per
// message, about the mesh degree; IDONTWANT saves little on loopback.
// Control messages are under 1% of it. So a node's gossip bytes per epoch are about
// N × message size × 7: with 40 KiB proofs, 280 KiB per storage node in
// the network, per node, per epoch (2.7 GiB at 10,000 nodes). Proofs that
// size do not scale on a topic everyone reads; gossiping a small
// commitment and serving the proof on request would.
package gossip
