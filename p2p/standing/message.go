package standing

import (
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// Limits of the protocol's messages.
const (
	MaxRequest  = 256
	MaxResponse = 1 << 20
	// MaxNode bounds the NODE answer's JSON body.
	MaxNode = 64 << 10
	// MaxStatement bounds the STATEMENT answer's JSON body: the response
	// less room for its other fields.
	MaxStatement = MaxResponse - 8<<10
	// MaxBeacon bounds the BEACON answer's beacon: proof.MaxBeaconSize,
	// which a test keeps in step (this package does not import proof).
	MaxBeacon = 4 << 10
	// MaxEntries bounds the entries of a STANDINGS answer: no entry
	// encodes in under 40 bytes (an Ed25519 peer ID is 38), so no more
	// fit in MaxResponse.
	MaxEntries = 26000
	maxEntry   = 256
	maxPeer    = 128
	maxError   = 1024
)

// Op is what a request asks.
type Op uint64

// The operations.
const (
	OpStandings Op = 1 // every node not vetted in good standing
	OpNode      Op = 2 // one node's full view
	OpStatement Op = 3 // one node's ledger statement: only the node itself may ask
	OpBeacon    Op = 4 // the coordinator's current beacon
)

func (o Op) String() string {
	switch o {
	case OpStandings:
		return "STANDINGS"
	case OpNode:
		return "NODE"
	case OpStatement:
		return "STATEMENT"
	case OpBeacon:
		return "BEACON"
	}
	return fmt.Sprintf("op(%d)", uint64(o))
}

// namesPeer reports whether a request of this op must name the node it
// is about.
func (o Op) namesPeer() bool { return o == OpNode || o == OpStatement }

// State is a node's standing, numbered as the coordinator's reputation
// states are.
type State uint8

// The states.
const (
	Vetting State = iota
	Vetted
	Suspended
	Disqualified
)

var stateNames = [...]string{"vetting", "vetted", "suspended", "disqualified"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ParseState is the inverse of String.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if n == s {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("standing: unknown state %q", s)
}

// Excluded reports whether placement must pass a node in this state over.
func (s State) Excluded() bool { return s == Suspended || s == Disqualified }

// ErrBadMessage means a standings message was malformed.
var ErrBadMessage = errors.New("malformed standings message")

// Request asks the coordinator one thing.
type Request struct {
	Op   Op
	Peer peer.ID // NODE and STATEMENT
}

// Entry is one node's standing in a STANDINGS answer.
type Entry struct {
	Peer     peer.ID
	State    State
	AuditPPM uint32 // audit score in parts per million
}

// Response is the coordinator's answer. Which fields are set depends on
// the request's Op; Error is set alone (with Epoch) when it was refused.
type Response struct {
	Error     string
	Epoch     uint64
	Entries   []Entry
	Truncated bool
	Node      []byte // JSON, at most MaxNode bytes
	Statement []byte // JSON, at most MaxStatement bytes
	// CreditsOmitted counts the oldest credits left out of Statement.
	CreditsOmitted uint64
	Beacon         []byte // the signed beacon as gossiped, at most MaxBeacon bytes
}

// The schemas of standing.proto, which TestProtoMatchesSchemas keeps in
// step with these tables.
var (
	requestSchema = wire.Message{Name: "Request", Max: MaxRequest, Fields: []wire.Field{
		{Num: 1, Name: "op", Kind: wire.Uint64, Required: true, Max: 4},
		{Num: 2, Name: "peer", Kind: wire.Bytes, Max: maxPeer},
	}}
	entrySchema = wire.Message{Name: "Entry", Max: maxEntry, Fields: []wire.Field{
		{Num: 1, Name: "peer", Kind: wire.Bytes, Required: true, Min: 1, Max: maxPeer},
		{Num: 2, Name: "state", Kind: wire.Uint64, Max: 3},
		{Num: 3, Name: "audit_ppm", Kind: wire.Uint64, Max: 1e6},
	}}
	responseSchema = wire.Message{Name: "Response", Max: MaxResponse, Fields: []wire.Field{
		{Num: 1, Name: "error", Kind: wire.String, Max: maxError},
		{Num: 2, Name: "epoch", Kind: wire.Uint64},
		{Num: 3, Name: "entries", Kind: wire.Embed, Msg: &entrySchema, Repeated: true, MaxCount: MaxEntries, Max: maxEntry},
		{Num: 4, Name: "truncated", Kind: wire.Bool},
		{Num: 5, Name: "node", Kind: wire.Bytes, Max: MaxNode},
		{Num: 6, Name: "statement", Kind: wire.Bytes, Max: MaxStatement},
		{Num: 7, Name: "credits_omitted", Kind: wire.Uint64},
		{Num: 8, Name: "beacon", Kind: wire.Bytes, Max: MaxBeacon},
	}}
)

func (r *Request) marshal() []byte {
	b := wire.AppendUint(nil, 1, uint64(r.Op))
	if r.Peer != "" {
		b = wire.AppendBytes(b, 2, []byte(r.Peer))
	}
	return b
}

func (e *Entry) marshal() []byte {
	b := wire.AppendBytes(nil, 1, []byte(e.Peer))
	b = wire.AppendUint(b, 2, uint64(e.State))
	return wire.AppendUint(b, 3, uint64(e.AuditPPM))
}

// EntrySize is the bytes e adds to a response.
func (e *Entry) EntrySize() int {
	n := len(e.marshal())
	return protowire.SizeTag(3) + protowire.SizeBytes(n)
}

func (r *Response) marshal() []byte {
	var b []byte
	if r.Error != "" {
		b = wire.AppendString(b, 1, r.Error)
	}
	if r.Epoch != 0 {
		b = wire.AppendUint(b, 2, r.Epoch)
	}
	for i := range r.Entries {
		b = wire.AppendBytes(b, 3, r.Entries[i].marshal())
	}
	if r.Truncated {
		b = wire.AppendUint(b, 4, 1)
	}
	if len(r.Node) > 0 {
		b = wire.AppendBytes(b, 5, r.Node)
	}
	if len(r.Statement) > 0 {
		b = wire.AppendBytes(b, 6, r.Statement)
	}
	if r.CreditsOmitted != 0 {
		b = wire.AppendUint(b, 7, r.CreditsOmitted)
	}
	if len(r.Beacon) > 0 {
		b = wire.AppendBytes(b, 8, r.Beacon)
	}
	return b
}

func bad(err error) error { return fmt.Errorf("%w: %w", ErrBadMessage, err) }

func (r *Request) unmarshal(b []byte) error {
	*r = Request{}
	err := requestSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case 1:
			r.Op = Op(v.Uint())
		case 2:
			p, err := peer.IDFromBytes(v.Bytes())
			if err != nil {
				return err
			}
			r.Peer = p
		}
		return nil
	})
	if err == nil && r.Op == 0 {
		err = errors.New("op 0")
	}
	if err == nil && r.Op.namesPeer() && r.Peer == "" {
		err = fmt.Errorf("%v names no peer", r.Op)
	}
	if err != nil {
		return bad(err)
	}
	return nil
}

func (e *Entry) unmarshal(b []byte) error {
	*e = Entry{}
	return entrySchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case 1:
			p, err := peer.IDFromBytes(v.Bytes())
			if err != nil {
				return err
			}
			e.Peer = p
		case 2:
			e.State = State(v.Uint())
		case 3:
			e.AuditPPM = uint32(v.Uint())
		}
		return nil
	})
}

func (r *Response) unmarshal(b []byte) error {
	*r = Response{}
	err := responseSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case 1:
			r.Error = v.String()
		case 2:
			r.Epoch = v.Uint()
		case 3:
			var e Entry
			if err := e.unmarshal(v.Bytes()); err != nil {
				return err
			}
			r.Entries = append(r.Entries, e)
		case 4:
			r.Truncated = v.Bool()
		case 5:
			r.Node = v.Bytes()
		case 6:
			r.Statement = v.Bytes()
		case 7:
			r.CreditsOmitted = v.Uint()
		case 8:
			r.Beacon = v.Bytes()
		}
		return nil
	})
	if err != nil {
		return bad(err)
	}
	return nil
}

// Fit returns the longest prefix of entries whose response, with an
// epoch, stays within MaxResponse, and whether any were left out. The
// coordinator orders entries by what matters most to placement
// (disqualified, suspended, then vetting) so that what is left out is the
// least harmful to miss: a vetting node merely gets more than one shard of
// a stripe.
func Fit(entries []Entry) ([]Entry, bool) {
	size := protowire.SizeTag(2) + protowire.SizeVarint(1<<63) + protowire.SizeTag(4) + 1
	for i := range entries {
		if size += entries[i].EntrySize(); size > MaxResponse || i >= MaxEntries {
			return entries[:i], true
		}
	}
	return entries, false
}
