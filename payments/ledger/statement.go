package ledger

import "github.com/libp2p/go-libp2p/core/peer"

// Statement is a node's account traced to the satoshi.
type Statement struct {
	Node    peer.ID   `json:"node"`
	Balance Balance   `json:"balance"`
	Credits []Traced  `json:"credits"`
	Payouts []PaidOut `json:"payouts"`
}

// Traced is one credit and the payouts that paid it: a payout pays the
// oldest unpaid credits first, so each satoshi of each output is matched
// to the epochs that earned it.
type Traced struct {
	Entry
	Paid       []Piece `json:"paid,omitempty"`
	UnpaidMsat uint64  `json:"unpaid_msat"`
}

// Piece is a part of a credit paid by one payout.
type Piece struct {
	Payout uint64 `json:"payout"`
	Txid   string `json:"txid"` // the confirmed attempt, or the latest one
	State  State  `json:"state"`
	Msat   uint64 `json:"msat"`
}

// PaidOut is one payout output to the node.
type PaidOut struct {
	Payout  uint64 `json:"payout"`
	Txid    string `json:"txid"`
	State   State  `json:"state"`
	Address string `json:"address"`
	Sat     uint64 `json:"sat"`
	Height  int32  `json:"height,omitempty"`
}

// Statement returns node's statement.
func (l *Ledger) Statement(node peer.ID) (*Statement, error) {
	bal, err := l.Balance(node)
	if err != nil {
		return nil, err
	}
	credits, err := l.Credits(node)
	if err != nil {
		return nil, err
	}
	payouts, err := l.Payouts()
	if err != nil {
		return nil, err
	}
	st := &Statement{Node: node, Balance: bal}
	for _, e := range credits {
		st.Credits = append(st.Credits, Traced{Entry: e, UnpaidMsat: e.NodeMsat})
	}
	i := 0 // the oldest credit not wholly paid
	for _, p := range payouts {
		if p.State == Cancelled {
			continue
		}
		txid := p.Txid
		if txid == "" {
			txid = p.Last().Txid
		}
		for _, o := range p.Outputs {
			if o.Node != node {
				continue
			}
			st.Payouts = append(st.Payouts, PaidOut{Payout: p.ID, Txid: txid, State: p.State,
				Address: o.Address, Sat: o.Sat, Height: p.Height})
			left := o.Sat * 1000
			for left > 0 && i < len(st.Credits) {
				c := &st.Credits[i]
				take := min(left, c.UnpaidMsat)
				if take > 0 {
					c.Paid = append(c.Paid, Piece{Payout: p.ID, Txid: txid, State: p.State, Msat: take})
					c.UnpaidMsat -= take
					left -= take
				}
				if c.UnpaidMsat == 0 {
					i++
				}
			}
		}
	}
	return st, nil
}
