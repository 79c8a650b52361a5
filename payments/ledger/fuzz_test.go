package ledger

import (
	"testing"
	"time"
)

func FuzzDecodeRecords(f *testing.F) {
	f.Add(encodeEntry(Entry{ProvenBytes: 1 << 30, Availability: 5, GrossMsat: 10, NodeMsat: 7, NetworkMsat: 3}))
	f.Add(encodeBalance(Balance{EarnedMsat: 5000, CommittedSat: 3, PaidSat: 2}))
	f.Add([]byte(`{"id":1,"state":"signed","attempts":[{"txid":"00"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := decodeEntry("n", 1, b); err == nil && e.NodeMsat+e.NetworkMsat != e.GrossMsat {
			t.Fatalf("accepted an entry that does not add up: %+v", e)
		}
		if bal, err := decodeBalance("n", b); err == nil && bal.AvailableSat() > bal.EarnedMsat/1000 {
			t.Fatalf("accepted a balance that overdraws: %+v", bal)
		}
		if p, err := decodePayout(b); err == nil {
			_ = p.Last()
		}
		_, _ = uvarintsPrefix(b, 2)
	})
}

var _ = time.Hour
