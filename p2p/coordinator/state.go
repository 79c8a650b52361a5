package coordinator

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
)

// StateDir is the coordinator's goleveldb database inside its directory.
const StateDir = "state"

// The state's keys. Integers are big-endian so keys sort by epoch.
//
//	genesis                  the epoch clock's origin, Unix nanoseconds
//	beacon/<epoch>           the signed beacon of each epoch it published
//	node/<peer>              a nodeRecord (JSON)
//	proof/<epoch>/<peer>     a proofRecord: the node proved that epoch
//	credit/<epoch>/<peer>    a credit not yet handed to the ledger
const (
	keyGenesis = "genesis"
	pfxBeacon  = "beacon/"
	pfxNode    = "node/"
	pfxProof   = "proof/"
	pfxCredit  = "credit/"
)

// nodeRecord is what the coordinator keeps of one storage node.
type nodeRecord struct {
	Rep reputation.Node `json:"rep"`
	// Next is the inventory commitment the node made for epoch NextEpoch
	// (encoded); its proof for that epoch must be over exactly it.
	Next      []byte `json:"next,omitempty"`
	NextEpoch uint64 `json:"next_epoch,omitempty"`
	// NextAt is the newest epoch whose beacon was out when Next was
	// recorded: Next answers only beacons after it, which the node cannot
	// have seen when it committed (a late proof of e, recorded in e+1,
	// commits before the beacon of e+2, not of e+1).
	NextAt uint64 `json:"next_at,omitempty"`
	// LastEpoch is the last epoch it proved; Bytes and Chunks what it proved then.
	LastEpoch uint64 `json:"last_epoch"`
	Bytes     uint64 `json:"bytes"`
	Chunks    uint64 `json:"chunks"`
	// Spot are slices the node proved, to fetch again directly.
	Spot []spotTarget `json:"spot,omitempty"`
	// Closed is the last epoch settled for it: proved, or counted missed.
	Closed uint64 `json:"closed"`
	// SpotOK and SpotFailed count direct spot checks.
	SpotOK     uint64 `json:"spot_ok"`
	SpotFailed uint64 `json:"spot_failed"`
	// Earned is the millisatoshi credited so far (node's share).
	Earned uint64 `json:"earned_msat"`
}

// proofRecord is one accepted proof.
type proofRecord struct {
	Bytes   uint64 `json:"bytes"`
	Chunks  uint64 `json:"chunks"`
	Samples int    `json:"samples"`
	Failed  int    `json:"failed"`
	Credit  bool   `json:"credit"`
}

// credit is an entry of the outbox to the ledger: written with the proof
// that earned it, removed once the ledger holds it. The ledger credits each
// (node, epoch) at most once, so handing one over twice after a crash is
// harmless and a crash never loses one.
type credit struct {
	Node   peer.ID `json:"node"`
	Epoch  uint64  `json:"epoch"`
	Bytes  uint64  `json:"bytes"`
	Length int64   `json:"length_ns"`
	Payout string  `json:"payout,omitempty"` // the address in the node's certificate
	// Availability is the share of the proof's samples that passed, in
	// parts per million (package payments/ledger).
	Availability uint32 `json:"availability_ppm"`
}

func peerID(s string) peer.ID { return peer.ID(s) }

type state struct{ db *leveldb.DB }

func openState(dir string) (*state, error) {
	db, err := leveldb.OpenFile(dir, &opt.Options{NoSync: false})
	if err != nil {
		return nil, fmt.Errorf("coordinator: open state %s: %w", dir, err)
	}
	return &state{db: db}, nil
}

func (s *state) Close() error { return s.db.Close() }

var syncWrite = &opt.WriteOptions{Sync: true}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func epochKey(prefix string, epoch uint64, p peer.ID) []byte {
	k := append([]byte(prefix), be64(epoch)...)
	return append(append(k, '/'), p...)
}

// genesis returns the epoch clock's origin, setting it to now (to the
// second) the first time.
func (s *state) genesis(now time.Time) (time.Time, error) {
	b, err := s.db.Get([]byte(keyGenesis), nil)
	if err == nil && len(b) == 8 {
		return time.Unix(0, int64(binary.BigEndian.Uint64(b))), nil
	}
	if err != nil && !errors.Is(err, leveldb.ErrNotFound) {
		return time.Time{}, err
	}
	g := now.Truncate(time.Second)
	if err := s.db.Put([]byte(keyGenesis), be64(uint64(g.UnixNano())), syncWrite); err != nil {
		return time.Time{}, err
	}
	return g, nil
}

func (s *state) putBeacon(epoch uint64, b []byte) error {
	return s.db.Put(append([]byte(pfxBeacon), be64(epoch)...), b, syncWrite)
}

// lastBeacon returns the newest beacon published, or nil.
func (s *state) lastBeacon() (epoch uint64, b []byte, err error) {
	it := s.db.NewIterator(util.BytesPrefix([]byte(pfxBeacon)), nil)
	defer it.Release()
	if it.Last() {
		epoch = binary.BigEndian.Uint64(it.Key()[len(pfxBeacon):])
		b = append([]byte(nil), it.Value()...)
	}
	return epoch, b, it.Error()
}

// beaconBefore returns the newest epoch before e that had a beacon.
func (s *state) beaconBefore(e uint64) (uint64, bool, error) {
	it := s.db.NewIterator(&util.Range{Start: []byte(pfxBeacon), Limit: append([]byte(pfxBeacon), be64(e)...)}, nil)
	defer it.Release()
	if it.Last() {
		return binary.BigEndian.Uint64(it.Key()[len(pfxBeacon):]), true, it.Error()
	}
	return 0, false, it.Error()
}

func (s *state) beacon(epoch uint64) ([]byte, error) {
	b, err := s.db.Get(append([]byte(pfxBeacon), be64(epoch)...), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, nil
	}
	return b, err
}

func (s *state) node(p peer.ID) (nodeRecord, bool, error) {
	var r nodeRecord
	b, err := s.db.Get(append([]byte(pfxNode), p...), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false, fmt.Errorf("coordinator: state of node %s: %w", p, err)
	}
	return r, true, nil
}

func putNode(b *leveldb.Batch, p peer.ID, r nodeRecord) {
	v, _ := json.Marshal(r) // a nodeRecord always encodes
	b.Put(append([]byte(pfxNode), p...), v)
}

// nodes calls fn for every node record, in peer ID order.
func (s *state) nodes(fn func(peer.ID, nodeRecord) error) error {
	it := s.db.NewIterator(util.BytesPrefix([]byte(pfxNode)), nil)
	defer it.Release()
	for it.Next() {
		var r nodeRecord
		p := peer.ID(it.Key()[len(pfxNode):])
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return fmt.Errorf("coordinator: state of node %s: %w", p, err)
		}
		if err := fn(p, r); err != nil {
			return err
		}
	}
	return it.Error()
}

func (s *state) proved(epoch uint64, p peer.ID) (bool, error) {
	return s.db.Has(epochKey(pfxProof, epoch, p), nil)
}

func putProof(b *leveldb.Batch, epoch uint64, p peer.ID, r proofRecord) {
	v, _ := json.Marshal(r)
	b.Put(epochKey(pfxProof, epoch, p), v)
}

func putCredit(b *leveldb.Batch, c credit) {
	v, _ := json.Marshal(c)
	b.Put(epochKey(pfxCredit, c.Epoch, c.Node), v)
}

// credits returns the outbox, oldest first.
func (s *state) credits() ([]credit, error) {
	it := s.db.NewIterator(util.BytesPrefix([]byte(pfxCredit)), nil)
	defer it.Release()
	var out []credit
	for it.Next() {
		var c credit
		if err := json.Unmarshal(it.Value(), &c); err != nil {
			return nil, fmt.Errorf("coordinator: credit %q: %w", it.Key(), err)
		}
		out = append(out, c)
	}
	return out, it.Error()
}

func (s *state) write(b *leveldb.Batch) error { return s.db.Write(b, syncWrite) }

func newBatch() *leveldb.Batch { return new(leveldb.Batch) }

// proofsByEpoch counts, for each epoch in [from, to], the proofs
// recorded whose samples all passed and those with a failed sample.
func (s *state) proofsByEpoch(from, to uint64) (passed, failed map[uint64]int, err error) {
	passed, failed = map[uint64]int{}, map[uint64]int{}
	it := s.db.NewIterator(&util.Range{Start: append([]byte(pfxProof), be64(from)...),
		Limit: append([]byte(pfxProof), be64(to+1)...)}, nil)
	defer it.Release()
	for it.Next() {
		k := it.Key()[len(pfxProof):]
		if len(k) < 8 {
			continue
		}
		e := binary.BigEndian.Uint64(k)
		var r proofRecord
		if json.Unmarshal(it.Value(), &r) != nil {
			continue
		}
		if r.Failed > 0 {
			failed[e]++
		} else {
			passed[e]++
		}
	}
	return passed, failed, it.Error()
}
