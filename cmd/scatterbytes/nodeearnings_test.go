package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/golden"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

func testStatement(t testing.TB) *ledger.Statement {
	node, err := peer.Decode("12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf")
	if err != nil {
		t.Fatal(err)
	}
	e := func(epoch, bytes, msat uint64) ledger.Entry {
		return ledger.Entry{Node: node, Epoch: epoch, ProvenBytes: bytes, Availability: 1e6, GrossMsat: msat * 4 / 3, NodeMsat: msat, NetworkMsat: msat / 3}
	}
	return &ledger.Statement{
		Node:    node,
		Balance: ledger.Balance{Node: node, Payout: "bcrt1qexampleexampleexampleexampleexample0", EarnedMsat: 5500, CommittedSat: 4, PaidSat: 4},
		Credits: []ledger.Traced{
			{Entry: e(41, 1<<30, 2500), Paid: []ledger.Piece{{Payout: 1, Txid: "ab12", State: ledger.Confirmed, Msat: 2500}}},
			{Entry: e(42, 1<<30, 3000), Paid: []ledger.Piece{{Payout: 1, Txid: "ab12", State: ledger.Confirmed, Msat: 1500}}, UnpaidMsat: 1500},
		},
		Payouts: []ledger.PaidOut{{Payout: 1, Txid: "ab12", State: ledger.Confirmed, Address: "bcrt1qexampleexampleexampleexampleexample0", Sat: 4, Height: 120}},
	}
}

// TestNodeTextGolden pins what `node earnings` and `node status` print.
func TestNodeTextGolden(t *testing.T) {
	var out bytes.Buffer
	printEarnings(&out, earnings{Statement: testStatement(t), CreditsOmitted: 3})
	out.WriteString("\n")
	printNodeStatus(&out, nodeStatus{
		Local: storage.Status{Node: "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf", Updated: time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC),
			LastEpoch: 42, Proofs: 40, Chunks: 120, Bytes: 3 << 20, LastError: "publish: no peers", LastErrorEpoch: 17},
		Standing: nodeStandingView{State: "vetted", AuditScore: 0.99875, Uptime: 0.95, Audits: 640, Failed: 1, Proven: 38, Missed: 2, EarnedMsat: 5500},
		Epoch:    43,
	})
	golden.Check(t, "node_text.golden", out.Bytes())
}

func FuzzDecodeStatement(f *testing.F) {
	b, _ := json.Marshal(testStatement(f))
	f.Add(b)
	f.Add([]byte(`{"node":"x","credits":[{"paid":[{}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if st, err := decodeStatement(b); err == nil {
			again, _ := json.Marshal(st)
			if _, err := decodeStatement(again); err != nil {
				t.Fatalf("re-decode: %v", err)
			}
		}
	})
}

func FuzzDecodeNodeView(f *testing.F) {
	f.Add([]byte(`{"peer":"p","state":"vetting","audit_score":1,"uptime":0.5,"earned_msat":12}`))
	f.Add([]byte(`{"audits":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := decodeNodeView(b); err == nil {
			again, _ := json.Marshal(v)
			if _, err := decodeNodeView(again); err != nil {
				t.Fatalf("re-decode: %v", err)
			}
		}
	})
}
