package proof

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/store"
)

// Result is what a verified proof shows.
type Result struct {
	Node   peer.ID
	Payout string // the node certificate's payout address; "" if none
	Epoch  uint64
	Beacon [32]byte // Hash of the beacon the proof answers
	// Committed is the commitment the proof answers; nil for a node's
	// first proof, which proves nothing.
	Committed *Commitment
	Next      Commitment // the node's commitment for Epoch+1, to record
	Count     uint64     // chunks committed (0 without a commitment)
	// Bytes is what the proof proves: the committed total when every
	// sample passed, else 0.
	Bytes   uint64
	Samples []SampleResult
}

// SampleResult is the outcome of one sample.
type SampleResult struct {
	Index  uint64
	Chunk  cid.Cid
	Size   uint64
	Client peer.ID // the order's client; "" if the order did not decode
	Err    error   // nil if the sample passed
	// Offset and Bytes are bytes of the chunk the sample's slice proof
	// proved, from Offset (up to SpotBytes, within the proof's leaf): what
	// a spot check may fetch again directly and compare. Nil if it failed.
	Offset uint64
	Bytes  []byte
}

// SpotBytes bounds SampleResult.Bytes.
const SpotBytes = 64

// Failed returns how many samples failed.
func (r *Result) Failed() int {
	n := 0
	for _, s := range r.Samples {
		if s.Err != nil {
			n++
		}
	}
	return n
}

// Verify checks a proof against the network's name and CA alone (see
// doc.go, "Verifying"). It returns the result and nil when the proof is
// valid. When the proof is sound but a sample fails (a lost or corrupt
// chunk, a bad order) it returns the result, every sample's outcome in
// it, and an error wrapping the first failure's sentinel: an audit
// failure to count against the node. Otherwise it returns nil and an
// error: the message proves nothing and should be dropped.
//
// Verify cannot see history: the caller checks the result against what it
// recorded with Result.Check.
func Verify(data []byte, opts Options) (*Result, error) {
	p, err := Unmarshal(data)
	if err != nil {
		return nil, err
	}
	r, err := p.verify(opts)
	if err != nil {
		return r, fmt.Errorf("verify proof of %s for epoch %d: %w", p.Node, p.Epoch, err)
	}
	return r, nil
}

// VerifyAuthor checks only who made a proof: the network, its beacon
// (signed by the coordinator), the node's certificate and the node's
// signature over the whole message. It is what a relaying node checks
// before it forwards a proof (about 4 signatures instead of Verify's 35
// at 16 samples): a forged proof never travels, and one whose samples
// are wrong travels signed by its author, whom the coordinator's Verify
// then holds to it.
func VerifyAuthor(data []byte, opts Options) (node peer.ID, epoch uint64, err error) {
	p, err := Unmarshal(data)
	if err != nil {
		return "", 0, err
	}
	if _, err := p.author(opts); err != nil {
		return "", 0, fmt.Errorf("verify proof of %s for epoch %d: %w", p.Node, p.Epoch, err)
	}
	return p.Node, p.Epoch, nil
}

// author checks what VerifyAuthor does and returns the beacon and the
// node's membership.
func (p *Proof) author(opts Options) (*authored, error) {
	if p.Network != opts.Network {
		return nil, fmt.Errorf("%w: proof for network %q, not %q", ErrBadBeacon, p.Network, opts.Network)
	}
	b, err := UnmarshalBeacon(p.Beacon)
	if err != nil {
		return nil, err
	}
	if err := b.verify(opts); err != nil {
		return nil, err
	}
	if b.Epoch != p.Epoch {
		return nil, fmt.Errorf("%w: the proof names epoch %d, its beacon is of epoch %d", ErrEpochMismatch, p.Epoch, b.Epoch)
	}
	m, pub, err := opts.memberDuring(p.NodeCert, cert.RoleNode, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadNode, err)
	}
	if m.Peer != p.Node {
		return nil, fmt.Errorf("%w: the certificate is of %s, the proof names %s", ErrBadNode, m.Peer, p.Node)
	}
	if ok, err := pub.Verify(p.signedBytes(), p.Signature); err != nil || !ok {
		return nil, fmt.Errorf("%w: not signed by %s", ErrBadSignature, p.Node)
	}
	return &authored{b: b, m: m}, nil
}

type authored struct {
	b *Beacon
	m cert.Member
}

func (p *Proof) verify(opts Options) (*Result, error) {
	a, err := p.author(opts)
	if err != nil {
		return nil, err
	}
	b, m := a.b, a.m
	if err := p.checkCommitment(&p.Next, p.Epoch+1, false); err != nil {
		return nil, fmt.Errorf("next %w", err)
	}
	r := &Result{Node: p.Node, Payout: m.Payout, Epoch: p.Epoch, Beacon: b.Hash(), Next: p.Next}
	if p.Committed == nil {
		if len(p.Samples) != 0 || len(p.ClientCerts) != 0 {
			return nil, fmt.Errorf("%w: samples without a commitment", ErrWrongSamples)
		}
		return r, nil
	}
	if err := p.checkCommitment(p.Committed, p.Epoch, true); err != nil {
		return nil, err
	}
	r.Committed, r.Count = p.Committed, p.Committed.Count
	if err := p.checkSamples(b); err != nil {
		return nil, err
	}
	certs, err := clientCerts(p.ClientCerts)
	if err != nil {
		return nil, err
	}
	var first error
	for j := range p.Samples {
		s := &p.Samples[j]
		sr := SampleResult{Index: s.Index, Chunk: s.Chunk, Size: s.Size}
		sr.Client, sr.Err = s.verify(j, b, p.Node, certs, opts)
		if sr.Err == nil && s.Size > 0 {
			sr.Offset, sr.Bytes = s.spotBytes(j, b, p.Node)
		}
		if sr.Err != nil && first == nil {
			first = fmt.Errorf("sample %d (chunk %s): %w", j, s.Chunk, sr.Err)
		}
		r.Samples = append(r.Samples, sr)
	}
	if first == nil {
		r.Bytes = p.Committed.Bytes
	}
	return r, first
}

// checkCommitment checks that c is the proof node's for epoch or, if
// orEarlier, for an earlier one: a node that missed beacons (its own pause
// or the coordinator's) answers the first one it gets with the commitment
// it made last, and Check compares that with what the coordinator
// recorded before the beacon went out.
func (p *Proof) checkCommitment(c *Commitment, epoch uint64, orEarlier bool) error {
	if c.Node != p.Node {
		return fmt.Errorf("%w: commitment of %s in a proof of %s", ErrBadCommitment, c.Node, p.Node)
	}
	if c.Epoch != epoch && !(orEarlier && c.Epoch < epoch) {
		return fmt.Errorf("%w: commitment for epoch %d, want %d", ErrEpochMismatch, c.Epoch, epoch)
	}
	return c.check()
}

// checkSamples checks that the samples are the ones the beacon chose and
// that each leaf is in the committed tree.
func (p *Proof) checkSamples(b *Beacon) error {
	c := p.Committed
	if want := SampleCount(b.Samples, c.Count); len(p.Samples) != want {
		return fmt.Errorf("%w: %d samples, the beacon asks for %d", ErrWrongSamples, len(p.Samples), want)
	}
	for j := range p.Samples {
		s := &p.Samples[j]
		if want := SampleIndex(b.Randomness, p.Node, j, c.Count); s.Index != want {
			return fmt.Errorf("%w: sample %d is of leaf %d, the beacon chose %d", ErrWrongSamples, j, s.Index, want)
		}
		if err := store.CheckID(s.Chunk); err != nil {
			return fmt.Errorf("%w: sample %d: %w", ErrBadPath, j, err)
		}
		path := make([]node, len(s.Path))
		for i, n := range s.Path {
			path[i] = node{hash: n.Hash, sum: n.Bytes}
		}
		leaf := node{hash: leafHash(s.Chunk, s.Size, s.OrderHash), sum: s.Size}
		root, err := rootFromPath(s.Index, c.Count, leaf, path)
		if err != nil {
			return fmt.Errorf("sample %d: %w", j, err)
		}
		if root.hash != c.Root || root.sum != c.Bytes {
			return fmt.Errorf("%w: sample %d (chunk %s) leads to another root or total", ErrBadPath, j, s.Chunk)
		}
	}
	return nil
}

// clientCerts indexes the client certificates by the peer of their key;
// each is judged when an order names it.
func clientCerts(ders [][]byte) (map[peer.ID][]byte, error) {
	certs := make(map[peer.ID][]byte, len(ders))
	for _, der := range ders {
		_, id, err := certKey(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrClientCert, err)
		}
		if _, dup := certs[id]; dup {
			return nil, fmt.Errorf("%w: two certificates of %s", ErrClientCert, id)
		}
		certs[id] = der
	}
	return certs, nil
}

// verify checks sample j's order and slice proofs; its path was checked.
func (s *Sample) verify(j int, b *Beacon, node peer.ID, certs map[peer.ID][]byte, opts Options) (peer.ID, error) {
	if len(s.Order) == 0 {
		return "", ErrChunkMissing
	}
	order, err := checkOrder(s, b)
	if err != nil {
		return order.Client, err
	}
	o := order.Client
	if err := checkClient(&order, certs, opts); err != nil {
		return o, err
	}
	if s.Size == 0 {
		if !s.Chunk.Equals(store.Sum(nil)) {
			return o, fmt.Errorf("%w: size 0, but %s is not the empty chunk", ErrSizeMismatch, s.Chunk)
		}
		return o, nil
	}
	size := int64(s.Size)
	if err := checkSlice(s.Chunk, size, size-1, s.Tail); err != nil {
		return o, fmt.Errorf("last byte: %w", err)
	}
	off := int64(SliceOffset(b.Randomness, node, j, s.Chunk, s.Size))
	if err := checkSlice(s.Chunk, size, off, s.Slice); err != nil {
		return o, fmt.Errorf("byte %d: %w", off, err)
	}
	return o, nil
}

// spotBytes returns up to SpotBytes verified bytes of the sample's chunk
// from its derived offset, out of the slice proof verify accepted.
func (s *Sample) spotBytes(j int, b *Beacon, node peer.ID) (uint64, []byte) {
	off := SliceOffset(b.Randomness, node, j, s.Chunk, s.Size)
	leafEnd := (off/store.ProofGroupSize + 1) * store.ProofGroupSize
	n := min(SpotBytes, leafEnd-off, s.Size-off)
	data, err := store.VerifySlice(s.Chunk, int64(off), int64(n), s.Slice)
	if err != nil {
		return 0, nil
	}
	return off, data
}

// checkSlice verifies a one-byte slice proof at off of a chunk of size
// bytes. The proof's size prefix must be size: with the last byte's proof
// that binds the committed size to the ID.
func checkSlice(id cid.Cid, size, off int64, proof []byte) error {
	if len(proof) < 8 || binary.LittleEndian.Uint64(proof) != uint64(size) {
		return fmt.Errorf("%w: the proof is not of a %d-byte chunk", ErrSizeMismatch, size)
	}
	if _, err := store.VerifySlice(id, off, 1, proof); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSlice, err)
	}
	return nil
}
