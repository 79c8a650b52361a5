package ledger

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb/util"
)

var testTerms = Terms{PriceMsat: 1000, Epoch: time.Hour, NodeShare: DefaultNodeShare}

func open(t *testing.T) *Ledger {
	t.Helper()
	l, err := Open(t.TempDir(), testTerms)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func nodeID(i int) peer.ID {
	k, _, err := crypto.GenerateEd25519Key(chacha(i))
	if err != nil {
		panic(err)
	}
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		panic(err)
	}
	return id
}

func TestPrice(t *testing.T) {
	for _, tc := range []struct {
		name  string
		terms Terms
		c     Credit
		gross uint64
		node  uint64
	}{
		{"1 GiB 1 h full", testTerms, Credit{ProvenBytes: 1 << 30, Availability: FullAvailability}, 1000, 750},
		{"half available", testTerms, Credit{ProvenBytes: 1 << 30, Availability: FullAvailability / 2}, 500, 375},
		{"10 GiB 5 min", Terms{PriceMsat: 1000, Epoch: 5 * time.Minute, NodeShare: 7500},
			Credit{ProvenBytes: 10 << 30, Availability: FullAvailability}, 833, 624},
		{"1 PiB 168 h at a huge price", Terms{PriceMsat: 1 << 40, Epoch: 168 * time.Hour, NodeShare: 10000},
			Credit{ProvenBytes: 1 << 50, Availability: FullAvailability}, ^uint64(0), ^uint64(0)},
		{"nothing", testTerms, Credit{ProvenBytes: 0, Availability: FullAvailability}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.terms.Price(tc.c)
			if e.GrossMsat != tc.gross || e.NodeMsat != tc.node || e.NodeMsat+e.NetworkMsat != e.GrossMsat {
				t.Fatalf("price = gross %d node %d network %d, want %d, %d", e.GrossMsat, e.NodeMsat, e.NetworkMsat, tc.gross, tc.node)
			}
		})
	}
}

// TestCreditOnce: a replayed or duplicated (node, epoch) adds nothing,
// even with other figures, and after a reopen.
func TestCreditOnce(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, testTerms)
	if err != nil {
		t.Fatal(err)
	}
	c := Credit{Node: nodeID(1), Epoch: 7, ProvenBytes: 4 << 30, Availability: FullAvailability, Payout: "bcrt1qa"}
	e, added, err := l.Credit(c)
	if err != nil || !added || e.NodeMsat != 3000 {
		t.Fatalf("first credit = %+v, %v, %v", e, added, err)
	}
	for i := 0; i < 3; i++ {
		dup := c
		dup.ProvenBytes *= 2
		if e2, added, err := l.Credit(dup); err != nil || added || e2 != e {
			t.Fatalf("duplicate credit = %+v, %v, %v", e2, added, err)
		}
	}
	c2 := Credit{Node: nodeID(2), Epoch: 7, ProvenBytes: 4 << 30, Availability: FullAvailability}
	if _, added, err := l.CreditAll([]Credit{c2, c2, c}); err != nil || !added[0] || added[1] || added[2] {
		t.Fatalf("a batch with a pair twice and one booked: added %v, %v", added, err)
	}
	if b, _ := l.Balance(nodeID(2)); b.EarnedMsat != 3000 {
		t.Fatalf("a pair twice in one batch earned %d msat, want 3000", b.EarnedMsat)
	}
	l.Close()
	if l, err = Open(dir, testTerms); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, added, _ := l.Credit(c); added {
		t.Fatal("a replayed credit after reopening was added")
	}
	bal, _ := l.Balance(nodeID(1))
	if bal.EarnedMsat != 3000 || bal.Payout != "bcrt1qa" || bal.AvailableSat() != 3 {
		t.Fatalf("balance %+v", bal)
	}
}

func TestCommitDebitsOnceAndConfirm(t *testing.T) {
	l := open(t)
	for i := 0; i < 3; i++ {
		for ep := uint64(0); ep < 4; ep++ {
			if _, _, err := l.Credit(Credit{Node: nodeID(i), Epoch: ep, ProvenBytes: uint64(i+1) << 30, Availability: FullAvailability}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// node i earned 4 × 750 × (i+1) msat
	p := &Payout{Outputs: []Output{{Node: nodeID(0), Address: "x", Sat: 3}, {Node: nodeID(2), Address: "y", Sat: 9}},
		Inputs: []OutPoint{{Txid: txid(1)}}, Attempts: []Attempt{{Txid: txid(2), State: Signed}}}
	if err := l.Commit(p); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(&Payout{Outputs: []Output{{Node: nodeID(1), Sat: 1}}, Attempts: []Attempt{{Txid: txid(3), State: Signed}}}); !errors.Is(err, ErrOpenPayout) {
		t.Fatalf("second open payout: %v", err)
	}
	b2, _ := l.Balance(nodeID(2))
	if b2.CommittedSat != 9 || b2.AvailableSat() != 0 {
		t.Fatalf("balance after commit %+v", b2)
	}
	// a bump: a second attempt; the second one confirms
	p.Attempts = append(p.Attempts, Attempt{Txid: txid(4), State: Broadcast})
	p.Attempts[0].State = Broadcast
	if err := l.Update(p); err != nil {
		t.Fatal(err)
	}
	if err := l.ApplyBlock(Block{Height: 5, Hash: txid(9), Confirmed: []string{txid(4)}}); err != nil {
		t.Fatal(err)
	}
	got, _ := l.Payout(p.ID)
	if got.State != Confirmed || got.Txid != txid(4) || got.Attempts[0].State != Replaced {
		t.Fatalf("payout after block %+v", got)
	}
	// the replaced attempt in a later block (it cannot be, but) counts nothing
	if err := l.ApplyBlock(Block{Height: 6, Hash: txid(10), Confirmed: []string{txid(2)}}); err != nil {
		t.Fatal(err)
	}
	b2, _ = l.Balance(nodeID(2))
	if b2.PaidSat != 9 || b2.CommittedSat != 9 {
		t.Fatalf("balance after confirm %+v", b2)
	}
	if err := l.Commit(&Payout{Outputs: []Output{{Node: nodeID(2), Sat: 1}}, Attempts: []Attempt{{Txid: txid(5), State: Signed}}}); !errors.Is(err, ErrOverdraw) {
		t.Fatalf("overdraw: %v", err)
	}
	st, err := l.Statement(nodeID(2))
	if err != nil {
		t.Fatal(err)
	}
	var paid, unpaid uint64
	for _, c := range st.Credits {
		for _, pc := range c.Paid {
			if pc.Txid != txid(4) {
				t.Fatalf("credit paid by %s", pc.Txid)
			}
			paid += pc.Msat
		}
		unpaid += c.UnpaidMsat
	}
	if paid != 9000 || unpaid != 0 || len(st.Payouts) != 1 {
		t.Fatalf("statement paid %d unpaid %d payouts %d", paid, unpaid, len(st.Payouts))
	}
}

func txid(i byte) string { return fmt.Sprintf("%064x", i) }

// TestBytesPerNodeEpoch measures the ledger's size on disk per credit.
func TestBytesPerNodeEpoch(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	dir := t.TempDir()
	l, err := Open(dir, testTerms)
	if err != nil {
		t.Fatal(err)
	}
	const nodes, epochs = 500, 40
	ids := make([]peer.ID, nodes)
	for i := range ids {
		ids[i] = nodeID(i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for ep := uint64(0); ep < epochs; ep++ {
		cs := make([]Credit, nodes)
		for i, id := range ids {
			cs[i] = Credit{Node: id, Epoch: 1_000_000 + ep, ProvenBytes: r.Uint64N(1 << 40),
				Availability: uint32(900_000 + r.IntN(100_001)), Payout: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"}
		}
		if _, _, err := l.CreditAll(cs); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.db.CompactRange(util.Range{}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	var size int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() && filepath.Ext(fi.Name()) == ".ldb" {
			size += fi.Size()
		}
		return nil
	})
	t.Logf("ledger: %d nodes x %d epochs in %d bytes of tables: %.1f bytes per node per epoch", nodes, epochs, size, float64(size)/nodes/epochs)
}

// chacha is a deterministic reader for test keys.
func chacha(i int) *rand.ChaCha8 {
	var seed [32]byte
	seed[0], seed[1] = byte(i), byte(i>>8)
	return rand.NewChaCha8(seed)
}

// TestCancelBuilt: an exported payout never signed can be cancelled and
// its debits come back; a signed one cannot.
func TestCancelBuilt(t *testing.T) {
	l := open(t)
	if _, _, err := l.Credit(Credit{Node: nodeID(1), Epoch: 1, ProvenBytes: 8 << 30, Availability: FullAvailability}); err != nil {
		t.Fatal(err)
	}
	p := &Payout{Outputs: []Output{{Node: nodeID(1), Sat: 6}}, Attempts: []Attempt{{Txid: txid(1), State: Built}}}
	if err := l.Commit(p); err != nil {
		t.Fatal(err)
	}
	if err := l.Cancel(p.ID); err != nil {
		t.Fatal(err)
	}
	if b, _ := l.Balance(nodeID(1)); b.AvailableSat() != 6 {
		t.Fatalf("after cancel: %+v", b)
	}
	if err := l.Cancel(p.ID); err == nil {
		t.Fatal("cancelled twice")
	}
	p2 := &Payout{Outputs: []Output{{Node: nodeID(1), Sat: 6}}, Attempts: []Attempt{{Txid: txid(2), State: Signed, Tx: []byte{1}}}}
	if err := l.Commit(p2); err != nil {
		t.Fatalf("a payout after a cancelled one: %v", err)
	}
	if err := l.Cancel(p2.ID); err == nil {
		t.Fatal("a signed payout was cancelled")
	}
}
