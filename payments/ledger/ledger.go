package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// Terms are the prices a ledger credits at.
type Terms struct {
	// PriceMsat is millisatoshi per GiB-hour stored and proven (the
	// profile's pay_rate_msat).
	PriceMsat uint64
	// Epoch is the epoch length (the profile's epoch).
	Epoch time.Duration
	// NodeShare is the node's share of the gross in basis points (1/10,000).
	NodeShare uint32
}

// DefaultNodeShare is 75%: what the original ScatterBytes paid nodes of
// what clients paid.
const DefaultNodeShare = 7500

// FullAvailability is an availability of 1 in parts per million.
const FullAvailability = 1_000_000

// Credit is one verified (node, epoch): the input of Ledger.Credit.
type Credit struct {
	Node  peer.ID
	Epoch uint64
	// ProvenBytes is the bytes the node's proof covered.
	ProvenBytes uint64
	// Availability is the share of challenges answered, in ppm (0..1e6).
	Availability uint32
	// Payout is the node's enrolled payout address ("" when none); the
	// latest one seen is where the node is paid.
	Payout string
}

// Entry is a credit as the book holds it.
type Entry struct {
	Node         peer.ID
	Epoch        uint64
	ProvenBytes  uint64
	Availability uint32
	GrossMsat    uint64
	NodeMsat     uint64
	NetworkMsat  uint64
}

// Balance is a node's account.
type Balance struct {
	Node         peer.ID
	Payout       string
	EarnedMsat   uint64 // all node shares credited
	CommittedSat uint64 // all payouts committed to the node, open or confirmed
	PaidSat      uint64 // the confirmed ones
}

// AvailableSat is what a new payout may pay the node now.
func (b Balance) AvailableSat() uint64 { return b.EarnedMsat/1000 - b.CommittedSat }

// Errors.
var (
	ErrOpenPayout = errors.New("a payout is still open: it must confirm first (or bump its fee)")
	ErrOverdraw   = errors.New("payout exceeds the node's balance")
	ErrNoPayout   = errors.New("no such payout")
	ErrBadRecord  = errors.New("malformed ledger record")
)

// Ledger is the book. Its methods are safe for concurrent use.
type Ledger struct {
	db    *leveldb.DB
	terms Terms
	mu    sync.Mutex // serialises read-modify-write batches
}

var syncW = &opt.WriteOptions{Sync: true}

// Open opens (or creates) the ledger in dir.
func Open(dir string, t Terms) (*Ledger, error) {
	if t.NodeShare > 10000 || t.Epoch <= 0 {
		return nil, fmt.Errorf("ledger: node share %d bp or epoch %s out of range", t.NodeShare, t.Epoch)
	}
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return &Ledger{db: db, terms: t}, nil
}

// Close closes the database.
func (l *Ledger) Close() error { return l.db.Close() }

// Terms returns the terms the ledger credits at.
func (l *Ledger) Terms() Terms { return l.terms }

var (
	giBHourPPM = new(big.Int).Mul(big.NewInt(1<<30), new(big.Int).Mul(big.NewInt(int64(time.Hour)), big.NewInt(FullAvailability)))
)

// Price computes the entry for c under t (no I/O).
func (t Terms) Price(c Credit) Entry {
	g := new(big.Int).SetUint64(c.ProvenBytes)
	g.Mul(g, big.NewInt(int64(t.Epoch)))
	g.Mul(g, new(big.Int).SetUint64(t.PriceMsat))
	g.Mul(g, big.NewInt(int64(c.Availability)))
	g.Quo(g, giBHourPPM)
	gross := g.Uint64()
	if !g.IsUint64() {
		gross = ^uint64(0)
	}
	node := new(big.Int).Mul(new(big.Int).SetUint64(gross), big.NewInt(int64(t.NodeShare)))
	node.Quo(node, big.NewInt(10000))
	return Entry{Node: c.Node, Epoch: c.Epoch, ProvenBytes: c.ProvenBytes, Availability: c.Availability,
		GrossMsat: gross, NodeMsat: node.Uint64(), NetworkMsat: gross - node.Uint64()}
}

// Credit books c unless (c.Node, c.Epoch) is booked already. It returns
// the entry in the book and whether this call added it; a duplicate
// returns the first entry and false, and changes nothing else either.
func (l *Ledger) Credit(c Credit) (Entry, bool, error) {
	es, added, err := l.CreditAll([]Credit{c})
	if err != nil {
		return Entry{}, false, err
	}
	return es[0], added[0], nil
}

// CreditAll is Credit of each of cs in one batch (one sync for an epoch's
// credits instead of one per node). A pair twice in cs is credited once.
func (l *Ledger) CreditAll(cs []Credit) ([]Entry, []bool, error) {
	for _, c := range cs {
		if c.Node == "" || c.Availability > FullAvailability {
			return nil, nil, fmt.Errorf("ledger: credit for %q with availability %d ppm refused", c.Node, c.Availability)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, added := make([]Entry, len(cs)), make([]bool, len(cs))
	var b leveldb.Batch
	fresh := map[string]Entry{} // credited by this batch
	bals := map[peer.ID]Balance{}
	for i, c := range cs {
		key := creditKey(c.Node, c.Epoch)
		if e, ok := fresh[string(key)]; ok {
			entries[i] = e
			continue
		}
		if v, err := l.db.Get(key, nil); err == nil {
			if entries[i], err = decodeEntry(c.Node, c.Epoch, v); err != nil {
				return nil, nil, err
			}
			continue
		} else if !errors.Is(err, leveldb.ErrNotFound) {
			return nil, nil, err
		}
		e := l.terms.Price(c)
		bal, ok := bals[c.Node]
		if !ok {
			var err error
			if bal, err = l.balance(c.Node); err != nil {
				return nil, nil, err
			}
		}
		bal.EarnedMsat += e.NodeMsat
		bals[c.Node] = bal
		b.Put(key, encodeEntry(e))
		b.Put(balanceKey(c.Node), encodeBalance(bal))
		if c.Payout != "" {
			b.Put(addrKey(c.Node), []byte(c.Payout))
		}
		fresh[string(key)], entries[i], added[i] = e, e, true
	}
	if b.Len() > 0 {
		if err := l.db.Write(&b, syncW); err != nil {
			return nil, nil, fmt.Errorf("ledger: credit: %w", err)
		}
	}
	return entries, added, nil
}

// Balance returns node's account.
func (l *Ledger) Balance(node peer.ID) (Balance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.balance(node)
}

func (l *Ledger) balance(node peer.ID) (Balance, error) {
	bal := Balance{Node: node}
	v, err := l.db.Get(balanceKey(node), nil)
	if err == nil {
		if bal, err = decodeBalance(node, v); err != nil {
			return bal, err
		}
	} else if !errors.Is(err, leveldb.ErrNotFound) {
		return bal, err
	}
	if a, err := l.db.Get(addrKey(node), nil); err == nil {
		bal.Payout = string(a)
	}
	return bal, nil
}

// Balances returns every node's account, in key order.
func (l *Ledger) Balances() ([]Balance, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Balance
	it := l.db.NewIterator(util.BytesPrefix([]byte{'b'}), nil)
	defer it.Release()
	for it.Next() {
		node := peer.ID(it.Key()[1:])
		bal, err := decodeBalance(node, it.Value())
		if err != nil {
			return nil, err
		}
		if a, err := l.db.Get(addrKey(node), nil); err == nil {
			bal.Payout = string(a)
		}
		out = append(out, bal)
	}
	return out, it.Error()
}

// Credits returns node's entries, oldest epoch first.
func (l *Ledger) Credits(node peer.ID) ([]Entry, error) {
	var out []Entry
	it := l.db.NewIterator(util.BytesPrefix(creditPrefix(node)), nil)
	defer it.Release()
	for it.Next() {
		k := it.Key()
		epoch := binary.BigEndian.Uint64(k[len(k)-8:])
		e, err := decodeEntry(node, epoch, it.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, it.Error()
}

func creditPrefix(node peer.ID) []byte {
	return append([]byte{'c', byte(len(node))}, node...)
}

func creditKey(node peer.ID, epoch uint64) []byte {
	return binary.BigEndian.AppendUint64(creditPrefix(node), epoch)
}

func balanceKey(node peer.ID) []byte { return append([]byte{'b'}, node...) }
func addrKey(node peer.ID) []byte    { return append([]byte{'a'}, node...) }

func encodeEntry(e Entry) []byte {
	b := binary.AppendUvarint(nil, e.ProvenBytes)
	b = binary.AppendUvarint(b, uint64(e.Availability))
	b = binary.AppendUvarint(b, e.GrossMsat)
	b = binary.AppendUvarint(b, e.NodeMsat)
	return binary.AppendUvarint(b, e.NetworkMsat)
}

func decodeEntry(node peer.ID, epoch uint64, b []byte) (Entry, error) {
	v, err := uvarints(b, 5)
	if err != nil || v[1] > FullAvailability || v[3]+v[4] != v[2] {
		return Entry{}, fmt.Errorf("%w: credit %s/%d", ErrBadRecord, node, epoch)
	}
	return Entry{Node: node, Epoch: epoch, ProvenBytes: v[0], Availability: uint32(v[1]),
		GrossMsat: v[2], NodeMsat: v[3], NetworkMsat: v[4]}, nil
}

func encodeBalance(b Balance) []byte {
	out := binary.AppendUvarint(nil, b.EarnedMsat)
	out = binary.AppendUvarint(out, b.CommittedSat)
	return binary.AppendUvarint(out, b.PaidSat)
}

func decodeBalance(node peer.ID, b []byte) (Balance, error) {
	v, err := uvarints(b, 3)
	if err != nil || v[1] > v[0]/1000 || v[2] > v[1] {
		return Balance{}, fmt.Errorf("%w: balance of %s", ErrBadRecord, node)
	}
	return Balance{Node: node, EarnedMsat: v[0], CommittedSat: v[1], PaidSat: v[2]}, nil
}

// uvarints decodes exactly n uvarints filling b.
func uvarints(b []byte, n int) ([]uint64, error) {
	out := make([]uint64, n)
	for i := range out {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, ErrBadRecord
		}
		out[i], b = v, b[k:]
	}
	if len(b) != 0 {
		return nil, ErrBadRecord
	}
	return out, nil
}
