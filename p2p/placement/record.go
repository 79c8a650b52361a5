package placement

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/store"
)

// MaxStripe bounds a stripe's members: package p2p/chunk's MaxStripe, the
// most shard IDs an order names.
const MaxStripe = 64

// MaxHolders bounds the holders a record keeps per member: the one the
// client placed, and a few more after repairs and exits.
const MaxHolders = 4

// MaxSize bounds an encoded record (MaxStripe IDs of 36 bytes and
// MaxStripe×MaxHolders holders of about 50 bytes take under 16 KiB).
const MaxSize = 32 << 10

// maxShards bounds k+m (Reed-Solomon over GF(2^8)), as orders do.
const maxShards = 256

// ErrBadRecord is a record that does not decode or does not hold together.
var ErrBadRecord = errors.New("bad placement record")

// ErrOtherStripe is a merge of records of two different stripes.
var ErrOtherStripe = errors.New("placement records of different stripes")

// Record is one stripe's placement.
type Record struct {
	K, M    int
	Members []cid.Cid // the stripe's shard IDs, k data then m parity
	Holders []Holder  // sorted by Member, then Peer
}

// Holder is one node holding member Member of the stripe.
type Holder struct {
	Member int
	Peer   peer.ID
	At     time.Time // when the writer learnt it; millisecond precision
}

// New returns the record of a stripe with no holders yet.
func New(k, m int, members []cid.Cid) Record {
	return Record{K: k, M: m, Members: append([]cid.Cid(nil), members...)}
}

// Key names a stripe by its members: SHA-256 over their binary IDs.
type Key [32]byte

// KeyOf is the key of the stripe whose shard IDs are members.
func KeyOf(members []cid.Cid) Key {
	h := sha256.New()
	for _, id := range members {
		b := id.Bytes()
		h.Write([]byte{byte(len(b))})
		h.Write(b)
	}
	var k Key
	h.Sum(k[:0])
	return k
}

// Key is r's stripe key.
func (r *Record) Key() Key { return KeyOf(r.Members) }

// Index is id's index among r's members, or -1.
func (r *Record) Index(id cid.Cid) int {
	for i, m := range r.Members {
		if m.Equals(id) {
			return i
		}
	}
	return -1
}

// Of returns the holders of member i, newest first.
func (r *Record) Of(i int) []peer.ID {
	var hs []Holder
	for _, h := range r.Holders {
		if h.Member == i {
			hs = append(hs, h)
		}
	}
	sort.SliceStable(hs, func(a, b int) bool { return newer(hs[a], hs[b]) })
	out := make([]peer.ID, len(hs))
	for j, h := range hs {
		out[j] = h.Peer
	}
	return out
}

// Peers returns every peer r names, each once, in no particular order.
func (r *Record) Peers() []peer.ID {
	seen := map[peer.ID]bool{}
	var out []peer.ID
	for _, h := range r.Holders {
		if !seen[h.Peer] {
			seen[h.Peer] = true
			out = append(out, h.Peer)
		}
	}
	return out
}

// Add notes that p holds member i since at (merged as Merge would).
func (r *Record) Add(i int, p peer.ID, at time.Time) {
	r.Holders = merge(r.Holders, []Holder{{Member: i, Peer: p, At: at.Truncate(time.Millisecond).UTC()}})
}

// SameStripe reports whether r and o name one stripe.
func (r *Record) SameStripe(o *Record) bool {
	if r.K != o.K || r.M != o.M || len(r.Members) != len(o.Members) {
		return false
	}
	for i := range r.Members {
		if !r.Members[i].Equals(o.Members[i]) {
			return false
		}
	}
	return true
}

// Merge returns the merge of a and b (see the package doc, "Merging"):
// ErrOtherStripe unless they name the same stripe.
func Merge(a, b Record) (Record, error) {
	if !a.SameStripe(&b) {
		return Record{}, fmt.Errorf("%w: %d+%d and %d+%d members", ErrOtherStripe, a.K, a.M, b.K, b.M)
	}
	out := Record{K: a.K, M: a.M, Members: append([]cid.Cid(nil), a.Members...)}
	out.Holders = merge(a.Holders, b.Holders)
	return out, nil
}

// newer orders the entries of one member: later first, then the lower
// peer ID. It is the total order the merge keeps the greatest of.
func newer(a, b Holder) bool {
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	return a.Peer < b.Peer
}

// merge is the union of a and b, one entry per (member, peer) with the
// later time, cut to the MaxHolders newest per member, in canonical order.
func merge(a, b []Holder) []Holder {
	type pair struct {
		member int
		peer   peer.ID
	}
	best := map[pair]Holder{}
	for _, hs := range [][]Holder{a, b} {
		for _, h := range hs {
			k := pair{h.Member, h.Peer}
			if cur, ok := best[k]; !ok || h.At.After(cur.At) {
				best[k] = h
			}
		}
	}
	all := make([]Holder, 0, len(best))
	for _, h := range best {
		all = append(all, h)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Member != all[j].Member {
			return all[i].Member < all[j].Member
		}
		return newer(all[i], all[j])
	})
	out := all[:0]
	for i, h := range all {
		if i >= MaxHolders && all[i-MaxHolders].Member == h.Member {
			continue // a member's MaxHolders newest are kept
		}
		out = append(out, h)
	}
	sortCanonical(out)
	return out
}

func sortCanonical(hs []Holder) {
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].Member != hs[j].Member {
			return hs[i].Member < hs[j].Member
		}
		return hs[i].Peer < hs[j].Peer
	})
}

// Check reports whether r holds together (see the package doc).
func (r *Record) Check() error {
	switch {
	case r.K < 1 || r.M < 0 || r.K+r.M > maxShards:
		return fmt.Errorf("%w: redundancy %d+%d", ErrBadRecord, r.K, r.M)
	case len(r.Members) != r.K+r.M || len(r.Members) > MaxStripe:
		return fmt.Errorf("%w: %d members for %d+%d (at most %d)", ErrBadRecord, len(r.Members), r.K, r.M, MaxStripe)
	}
	seen := map[string]bool{}
	for _, id := range r.Members {
		if err := store.CheckID(id); err != nil {
			return fmt.Errorf("%w: member: %v", ErrBadRecord, err)
		}
		if seen[id.KeyString()] {
			return fmt.Errorf("%w: member %s named twice", ErrBadRecord, id)
		}
		seen[id.KeyString()] = true
	}
	per := make([]int, len(r.Members))
	for i, h := range r.Holders {
		switch {
		case h.Member < 0 || h.Member >= len(r.Members):
			return fmt.Errorf("%w: holder of member %d of %d", ErrBadRecord, h.Member, len(r.Members))
		case h.Peer.Validate() != nil:
			return fmt.Errorf("%w: holder %d: bad peer ID", ErrBadRecord, i)
		case i > 0 && !canonicalLess(r.Holders[i-1], h):
			return fmt.Errorf("%w: holders out of order or named twice", ErrBadRecord)
		}
		if per[h.Member]++; per[h.Member] > MaxHolders {
			return fmt.Errorf("%w: more than %d holders of member %d", ErrBadRecord, MaxHolders, h.Member)
		}
	}
	return nil
}

func canonicalLess(a, b Holder) bool {
	if a.Member != b.Member {
		return a.Member < b.Member
	}
	return a.Peer < b.Peer
}

// Record field numbers.
const (
	fK       = 1
	fM       = 2
	fMember  = 3
	fHolder  = 4
	fHMember = 1
	fHPeer   = 2
	fHAt     = 3
)

// Marshal returns r's canonical encoding.
func (r *Record) Marshal() []byte {
	b := wire.AppendUint(nil, fK, uint64(max(r.K, 0)))
	b = wire.AppendUint(b, fM, uint64(max(r.M, 0)))
	for _, id := range r.Members {
		b = wire.AppendBytes(b, fMember, id.Bytes())
	}
	for _, h := range r.Holders {
		hb := wire.AppendUint(nil, fHMember, uint64(max(h.Member, 0)))
		hb = wire.AppendBytes(hb, fHPeer, []byte(h.Peer))
		hb = wire.AppendUint(hb, fHAt, uint64(max(unixMilli(h.At), 0)))
		b = wire.AppendBytes(b, fHolder, hb)
	}
	return b
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Unmarshal decodes a record and checks it (Check); every error wraps
// ErrBadRecord.
func Unmarshal(b []byte) (Record, error) {
	var r Record
	err := recordSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case fK:
			r.K = int(v.Uint())
		case fM:
			r.M = int(v.Uint())
		case fMember:
			id, err := cid.Cast(v.Bytes())
			if err != nil {
				return err
			}
			r.Members = append(r.Members, id)
		case fHolder:
			h, err := unmarshalHolder(v.Bytes())
			if err != nil {
				return err
			}
			r.Holders = append(r.Holders, h)
		}
		return nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("decode placement: %w: %w", ErrBadRecord, err)
	}
	if err := r.Check(); err != nil {
		return Record{}, fmt.Errorf("decode placement: %w", err)
	}
	return r, nil
}

func unmarshalHolder(b []byte) (Holder, error) {
	var h Holder
	err := holderSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case fHMember:
			h.Member = int(v.Uint())
		case fHPeer:
			h.Peer, err = peer.IDFromBytes(v.Bytes())
		case fHAt:
			if v.Uint() != 0 {
				h.At = time.UnixMilli(v.Int()).UTC()
			}
		}
		return err
	})
	return h, err
}
