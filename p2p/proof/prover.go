package proof

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/store"
)

// Source is what a prover reads of the node's store.
type Source interface {
	store.Iterator
	store.Statter
	store.Getter
}

// ProverConfig configures a Prover.
type ProverConfig struct {
	Network string // the network profile's name
	// Store is the node's chunk store itself, not the one Guard returns
	// (which hides chunks whose delete is deferred, and they must still
	// be proven).
	Store Source
	Key   identity.Key // the node's identity key
	// Cert returns the node's current membership certificate (DER); it
	// changes when the certificate is renewed.
	Cert func() []byte
	// ClientCert returns a membership certificate (DER) of client, valid
	// when the client signed its orders: the one it presented when it
	// stored its chunks (see doc.go, "Client certificates").
	ClientCert func(ctx context.Context, client peer.ID) ([]byte, error)
	Logger     *slog.Logger // nil: discard
	// Pending, if set, is the file that keeps the deferred deletes (see
	// Guard) across a restart: without it a node restarted between an
	// owner's delete and the commitment that frees the chunk would serve,
	// commit and be paid for the deleted chunk again.
	Pending string
}

// Prover builds a storage node's proofs, one per beacon. It keeps the
// inventory it last committed to in memory (72 bytes a chunk) until the
// beacon that challenges it. Methods are safe for concurrent use; Prove
// and Commit calls are serialised.
type Prover struct {
	cfg ProverConfig
	log *slog.Logger

	proving sync.Mutex // serialises Prove and Commit

	mu   sync.Mutex
	snap *snapshot // the inventory committed for snap.c.Epoch, or nil
	// proven is the commitment the last proof answered: the coordinator
	// spot-checks slices of its samples during the epoch that follows, so
	// a chunk it holds keeps its bytes (hidden) until the next proof.
	proven   *snapshot
	building bool    // a snapshot is being read: defer every delete
	answered *uint64 // the last epoch proved, nil if none
	pending  map[string]cid.Cid
	deleter  interface {
		store.Haser
		store.Deleter
	}

	proveSlice func(ctx context.Context, g store.Getter, id cid.Cid, size, off, length int64) ([]byte, error)
}

// NewProver returns a prover with nothing committed yet: its first proof
// proves nothing and commits for the next epoch.
func NewProver(cfg ProverConfig) (*Prover, error) {
	if cfg.Network == "" || cfg.Store == nil || cfg.Key.IsZero() || cfg.Cert == nil || cfg.ClientCert == nil {
		return nil, errors.New("new prover: network, store, key, certificate and client certificates are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Prover{cfg: cfg, log: log, pending: map[string]cid.Cid{}, proveSlice: store.ProveSlice}
	if err := p.loadPending(); err != nil {
		return nil, err
	}
	return p, nil
}

// Committed returns the commitment the next Prove answers, if any.
func (p *Prover) Committed() (Commitment, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.snap == nil {
		return Commitment{}, false
	}
	return p.snap.c, true
}

// Commit snapshots the store's inventory as the commitment for epoch,
// replacing any earlier one, and returns it. Chunks whose order does not
// decode or ends before keepUntil are left out: they earn nothing. Prove
// calls it; a node calls it directly only to publish a commitment outside
// a proof (it never needs to).
func (p *Prover) Commit(ctx context.Context, epoch uint64, keepUntil time.Time) (Commitment, error) {
	p.proving.Lock()
	defer p.proving.Unlock()
	s, err := p.snapshot(ctx, epoch, keepUntil)
	if err != nil {
		return Commitment{}, err
	}
	p.mu.Lock()
	p.install(ctx, s, false)
	p.mu.Unlock()
	return s.c, nil
}

// Prove answers beacon b, which the caller verified (VerifyBeacon): it
// proves the commitment made for b's epoch (or, with none, proves
// nothing), commits to the inventory for the next epoch, signs, and
// returns the encoded proof to gossip. A beacon of an epoch already
// answered or older than the commitment is refused with ErrStale, so a
// replayed beacon cannot make the node drop its commitment.
func (p *Prover) Prove(ctx context.Context, b *Beacon) ([]byte, error) {
	p.proving.Lock()
	defer p.proving.Unlock()
	p.mu.Lock()
	snap, answered := p.snap, p.answered
	p.mu.Unlock()
	// An old beacon, replayed, must not replace the commitment the next
	// one will challenge.
	if (answered != nil && b.Epoch <= *answered) || (snap != nil && b.Epoch < snap.c.Epoch) {
		return nil, fmt.Errorf("prove epoch %d: %w: already past it", b.Epoch, ErrStale)
	}
	pr := &Proof{
		Network:  p.cfg.Network,
		Epoch:    b.Epoch,
		Node:     p.cfg.Key.PeerID(),
		NodeCert: p.cfg.Cert(),
		Beacon:   b.Marshal(),
	}
	// A commitment answers the first beacon at or after its epoch: a
	// node (or coordinator) that paused past a beacon still proves.
	if s := snap; s != nil && s.c.Epoch <= b.Epoch {
		c := s.c
		pr.Committed = &c
		if err := p.sample(ctx, pr, s, b); err != nil {
			return nil, fmt.Errorf("prove epoch %d: %w", b.Epoch, err)
		}
	} else if s != nil {
		p.log.Warn("no commitment for this beacon's epoch: this proof proves nothing", "epoch", b.Epoch, "committed", s.c.Epoch)
	}
	next, err := p.snapshot(ctx, b.Epoch+1, KeepUntil(b))
	if err != nil {
		return nil, fmt.Errorf("prove epoch %d: %w", b.Epoch, err)
	}
	pr.Next = next.c
	sig, err := p.cfg.Key.Sign(pr.signedBytes())
	if err != nil {
		p.abandon()
		return nil, fmt.Errorf("prove epoch %d: %w", b.Epoch, err)
	}
	pr.Signature = sig
	out := pr.Marshal()
	if len(out) > MaxProofSize {
		p.abandon()
		return nil, fmt.Errorf("prove epoch %d: %d bytes, at most %d", b.Epoch, len(out), MaxProofSize)
	}
	p.mu.Lock()
	p.install(ctx, next, true)
	epoch := b.Epoch
	p.answered = &epoch
	p.mu.Unlock()
	return out, nil
}

// sample fills in the samples b chooses from s, and their clients' certificates.
func (p *Prover) sample(ctx context.Context, pr *Proof, s *snapshot, b *Beacon) error {
	n := SampleCount(b.Samples, s.c.Count)
	if n == 0 {
		return nil
	}
	leaves := s.leaves()
	leaf := func(i int) node { return leaves[i] }
	seen := map[peer.ID]bool{}
	for j := range n {
		idx := SampleIndex(b.Randomness, pr.Node, j, s.c.Count)
		e := &s.entries[idx]
		sm := Sample{Index: idx, Chunk: store.IDFromDigest(e.digest), Size: e.size, OrderHash: e.orderHash}
		for _, sib := range inclusionPath(int(idx), len(leaves), leaf) {
			sm.Path = append(sm.Path, PathNode{Hash: sib.hash, Bytes: sib.sum})
		}
		client, err := p.proveChunk(ctx, &sm, j, b)
		if err != nil {
			return err
		}
		pr.Samples = append(pr.Samples, sm)
		if client == "" || seen[client] {
			continue
		}
		seen[client] = true
		der, err := p.cfg.ClientCert(ctx, client)
		if err != nil {
			p.log.Warn("no certificate of a sampled chunk's client: the sample will fail", "client", client, "chunk", sm.Chunk, "err", err)
			continue
		}
		pr.ClientCerts = append(pr.ClientCerts, der)
	}
	return nil
}

// proveChunk adds the order and slice proofs of sample j, or leaves them
// out when the chunk cannot be read: the proof then admits the loss. It
// returns the order's client. Only a cancelled ctx is an error.
func (p *Prover) proveChunk(ctx context.Context, sm *Sample, j int, b *Beacon) (peer.ID, error) {
	lost := func(err error) (peer.ID, error) {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		p.log.Warn("sampled chunk cannot be proven: reporting it lost", "chunk", sm.Chunk, "err", err)
		sm.Order, sm.Slice, sm.Tail = nil, nil, nil
		return "", nil
	}
	info, err := p.cfg.Store.Stat(ctx, sm.Chunk)
	if err != nil {
		return lost(err)
	}
	o, err := chunk.UnmarshalOrder(info.Meta)
	if err != nil || o.Hash() != sm.OrderHash || uint64(info.Size) != sm.Size {
		return lost(fmt.Errorf("the stored order or size is not the committed one"))
	}
	sm.Order = bytes.Clone(info.Meta)
	if sm.Size == 0 {
		return o.Client, nil
	}
	size := int64(sm.Size)
	if sm.Tail, err = p.proveSlice(ctx, p.cfg.Store, sm.Chunk, size, size-1, 1); err != nil {
		return lost(err)
	}
	off := int64(SliceOffset(b.Randomness, p.cfg.Key.PeerID(), j, sm.Chunk, sm.Size))
	if sm.Slice, err = p.proveSlice(ctx, p.cfg.Store, sm.Chunk, size, off, 1); err != nil {
		return lost(err)
	}
	return o.Client, nil
}

// KeepUntil is the time the commitment made in answer to b must hold its
// chunks until: it is challenged by the next beacon and earns for that
// epoch, so orders ending before the next epoch's end are left out. A
// node that saves its last Next commitment and this time can, after a
// restart, call Commit with both and compare: an unchanged inventory
// gives the same commitment, and the next proof proves it.
func KeepUntil(b *Beacon) time.Time { return b.End().Add(b.Length) }

// snapshot is a committed inventory: per chunk, in CID byte order, what
// its leaf is made of.
type snapshot struct {
	c       Commitment
	entries []entry
}

type entry struct {
	digest    [store.DigestSize]byte // the CID is store.IDFromDigest(digest)
	size      uint64
	orderHash [32]byte
}

func (e *entry) leaf() node {
	return node{hash: leafHash(store.IDFromDigest(e.digest), e.size, e.orderHash), sum: e.size}
}

func (s *snapshot) leaves() []node {
	out := make([]node, len(s.entries))
	for i := range s.entries {
		out[i] = s.entries[i].leaf()
	}
	return out
}

// maxEntriesHint caps the capacity a snapshot allocates ahead from the
// store's count; entriesSlack is room for chunks that arrive meanwhile.
const (
	maxEntriesHint = 1 << 24
	entriesSlack   = 256
)

// snapshot reads the inventory for epoch, leaving out chunks whose delete
// is deferred. From its start until install, every delete is deferred.
func (p *Prover) snapshot(ctx context.Context, epoch uint64, keepUntil time.Time) (*snapshot, error) {
	p.mu.Lock()
	p.building = true
	skip := make(map[string]bool, len(p.pending))
	for k := range p.pending {
		skip[k] = true
	}
	p.mu.Unlock()
	s, err := p.read(ctx, epoch, keepUntil, skip)
	if err != nil {
		p.abandon()
	}
	return s, err
}

// abandon drops a snapshot being built; the outstanding one stays.
func (p *Prover) abandon() {
	p.mu.Lock()
	p.building = false
	p.mu.Unlock()
}

func (p *Prover) read(ctx context.Context, epoch uint64, keepUntil time.Time, skip map[string]bool) (*snapshot, error) {
	s := &snapshot{c: Commitment{Node: p.cfg.Key.PeerID(), Epoch: epoch}}
	// Sized from the store's count where it keeps one: grown by append,
	// the entries of 100,000 chunks (7 MB) took 14 MB, twice over while
	// the next snapshot is built beside the outstanding one.
	if u, ok := p.cfg.Store.(store.Usager); ok {
		if us, err := u.Usage(ctx); err == nil && us.Chunks > 0 {
			s.entries = make([]entry, 0, min(us.Chunks, maxEntriesHint)+entriesSlack)
		}
	}
	var total uint64
	err := p.cfg.Store.Iterate(ctx, cid.Undef, func(info store.Info) error {
		if skip[info.ID.KeyString()] {
			return nil
		}
		o, err := chunk.UnmarshalOrder(info.Meta)
		if err != nil || !o.Expiry.After(keepUntil) || !o.Covers(info.ID) || o.Size != info.Size {
			return nil
		}
		d, err := store.Digest(info.ID)
		if err != nil {
			return nil
		}
		if total+uint64(info.Size) < total {
			return fmt.Errorf("inventory total overflows")
		}
		total += uint64(info.Size)
		s.entries = append(s.entries, entry{digest: d, size: uint64(info.Size), orderHash: o.Hash()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("commit to inventory: %w", err)
	}
	s.c.Count, s.c.Bytes, s.c.Root = uint64(len(s.entries)), total, emptyRoot
	if len(s.entries) > 0 {
		leaves := s.leaves()
		root := subtree(0, len(leaves), func(i int) node { return leaves[i] })
		s.c.Root = root.hash
	}
	return s, nil
}
