package ledger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// State is where a payout (or one of its attempts) stands.
type State string

// The states, in order. Replaced applies to attempts only.
const (
	Built     State = "built"     // unsigned PSBT exported, waiting for import
	Signed    State = "signed"    // signed transaction in the book, not yet sent
	Broadcast State = "broadcast" // sent to the Bitcoin node
	Confirmed State = "confirmed" // in a block
	Replaced  State = "replaced"  // an attempt another attempt replaced
	Cancelled State = "cancelled" // a payout never signed, given up; its debits returned
)

// Output pays one node.
type Output struct {
	Node    peer.ID `json:"node"`
	Address string  `json:"address"`
	Sat     uint64  `json:"sat"`
}

// OutPoint is a transaction output: txid (hex, as Bitcoin shows it) and index.
type OutPoint struct {
	Txid string `json:"txid"`
	Vout uint32 `json:"vout"`
}

// Attempt is one transaction of a payout; a fee bump adds one.
type Attempt struct {
	Txid    string `json:"txid"`
	State   State  `json:"state"`
	FeeRate uint64 `json:"fee_rate"` // sat/vB
	Fee     uint64 `json:"fee"`      // sat
	VSize   int64  `json:"vsize"`
	Change  uint64 `json:"change"`         // sat back to the coordinator
	Tx      []byte `json:"tx,omitempty"`   // signed, serialised; nil while Built
	PSBT    []byte `json:"psbt,omitempty"` // the unsigned PSBT exported, while Built
}

// Payout is one batched transaction (and its replacements).
type Payout struct {
	ID       uint64     `json:"id"`
	State    State      `json:"state"`
	Created  time.Time  `json:"created"`
	Outputs  []Output   `json:"outputs"`
	Inputs   []OutPoint `json:"inputs"`
	Attempts []Attempt  `json:"attempts"`
	Height   int32      `json:"height,omitempty"` // block it confirmed in
	Txid     string     `json:"txid,omitempty"`   // the attempt that confirmed
}

// Last is the latest attempt.
func (p *Payout) Last() *Attempt { return &p.Attempts[len(p.Attempts)-1] }

// Total is the sum of the outputs.
func (p *Payout) Total() uint64 {
	var s uint64
	for _, o := range p.Outputs {
		s += o.Sat
	}
	return s
}

func payoutKey(id uint64) []byte { return binary.BigEndian.AppendUint64([]byte{'p'}, id) }

var nextKey = []byte("mnext")

// Commit records p, a new payout with one attempt in state Built or
// Signed, gives it its ID and debits every output from its node's
// balance, in one batch. It fails with ErrOpenPayout while another payout
// is open and with ErrOverdraw if an output exceeds its node's balance.
func (l *Ledger) Commit(p *Payout) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if open, err := l.open(); err != nil {
		return err
	} else if open != nil {
		return fmt.Errorf("%w: payout %d", ErrOpenPayout, open.ID)
	}
	if len(p.Attempts) != 1 || len(p.Outputs) == 0 {
		return fmt.Errorf("ledger: a new payout needs one attempt and outputs")
	}
	var b leveldb.Batch
	seen := map[peer.ID]bool{}
	for _, o := range p.Outputs {
		if seen[o.Node] {
			return fmt.Errorf("ledger: node %s twice in one payout", o.Node)
		}
		seen[o.Node] = true
		bal, err := l.balance(o.Node)
		if err != nil {
			return err
		}
		if o.Sat == 0 || o.Sat > bal.AvailableSat() {
			return fmt.Errorf("%w: %d sat to %s, %d available", ErrOverdraw, o.Sat, o.Node, bal.AvailableSat())
		}
		bal.CommittedSat += o.Sat
		b.Put(balanceKey(o.Node), encodeBalance(bal))
	}
	id := uint64(1)
	if v, err := l.db.Get(nextKey, nil); err == nil && len(v) == 8 {
		id = binary.BigEndian.Uint64(v)
	}
	p.ID, p.State = id, p.Attempts[0].State
	if p.Created.IsZero() {
		p.Created = time.Now().UTC()
	}
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	b.Put(payoutKey(id), v)
	b.Put(nextKey, binary.BigEndian.AppendUint64(nil, id+1))
	return l.db.Write(&b, syncW)
}

// Update rewrites an open payout whose balances are already debited:
// attempts signed, sent, added by a fee bump or replaced. It cannot
// confirm (see ApplyBlock) or change the outputs.
func (l *Ledger) Update(p *Payout) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	old, err := l.payout(p.ID)
	if err != nil {
		return err
	}
	if old.State == Confirmed || old.State == Cancelled || p.State == Confirmed || p.State == Cancelled || len(p.Outputs) != len(old.Outputs) {
		return fmt.Errorf("ledger: payout %d: update from %s to %s refused", p.ID, old.State, p.State)
	}
	for i := range p.Outputs {
		if p.Outputs[i] != old.Outputs[i] {
			return fmt.Errorf("ledger: payout %d: outputs cannot change", p.ID)
		}
	}
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return l.db.Put(payoutKey(p.ID), v, syncW)
}

// Payout returns payout id.
func (l *Ledger) Payout(id uint64) (*Payout, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.payout(id)
}

func (l *Ledger) payout(id uint64) (*Payout, error) {
	v, err := l.db.Get(payoutKey(id), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, fmt.Errorf("%w: %d", ErrNoPayout, id)
	} else if err != nil {
		return nil, err
	}
	return decodePayout(v)
}

func decodePayout(v []byte) (*Payout, error) {
	var p Payout
	if err := json.Unmarshal(v, &p); err != nil || len(p.Attempts) == 0 {
		return nil, fmt.Errorf("%w: payout: %v", ErrBadRecord, err)
	}
	return &p, nil
}

// Open returns the open payout, or nil when every payout has confirmed.
func (l *Ledger) Open() (*Payout, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open()
}

func (l *Ledger) open() (*Payout, error) {
	ps, err := l.payouts()
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.State != Confirmed && p.State != Cancelled {
			return p, nil
		}
	}
	return nil, nil
}

// Payouts returns every payout, oldest first.
func (l *Ledger) Payouts() ([]*Payout, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.payouts()
}

func (l *Ledger) payouts() ([]*Payout, error) {
	var out []*Payout
	it := l.db.NewIterator(util.BytesPrefix([]byte{'p'}), nil)
	defer it.Release()
	for it.Next() {
		p, err := decodePayout(it.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, it.Error()
}

func jsonPayout(p *Payout) ([]byte, error) { return json.Marshal(p) }

// Cancel gives up the open payout id if none of its attempts was ever
// signed (an exported PSBT that will not come back) and returns its
// debits to the balances, in one batch. A payout with a signed attempt
// may be on its way to a block: it can only be bumped, never cancelled.
func (l *Ledger) Cancel(id uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, err := l.payout(id)
	if err != nil {
		return err
	}
	if p.State == Confirmed || p.State == Cancelled {
		return fmt.Errorf("ledger: payout %d is %s", id, p.State)
	}
	for _, a := range p.Attempts {
		if a.State != Built || len(a.Tx) > 0 {
			return fmt.Errorf("ledger: payout %d has a signed transaction (%s): it may confirm, so it cannot be cancelled; bump it instead", id, a.Txid)
		}
	}
	var b leveldb.Batch
	for _, o := range p.Outputs {
		bal, err := l.balance(o.Node)
		if err != nil {
			return err
		}
		bal.CommittedSat -= o.Sat
		b.Put(balanceKey(o.Node), encodeBalance(bal))
	}
	p.State = Cancelled
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	b.Put(payoutKey(id), v)
	return l.db.Write(&b, syncW)
}
