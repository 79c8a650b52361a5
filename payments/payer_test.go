package payments_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

var regtest = &chaincfg.RegressionNetParams

// rig is a coordinator's payment side against a real btcd on regtest
// that mined 500 blocks to the coordinator (segwit activates on
// regtest after 432; 400 mature coinbases).
type rig struct {
	dir   string
	key   bitcoin.Key
	btc   *btcnode.Node
	l     *ledger.Ledger
	payer *payments.Payer
	cfg   payments.Config
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{dir: t.TempDir()}
	var err error
	if r.key, err = bitcoin.LoadOrCreateKey(filepath.Join(r.dir, bitcoin.KeyFile), regtest); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if r.btc, err = btcnode.Start(ctx, t.TempDir(), r.key.Address().String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.btc.Stop() })
	if err := r.btc.Mine(500); err != nil {
		t.Fatal(err)
	}
	r.open(t)
	return r
}

var terms = ledger.Terms{PriceMsat: 1000, Epoch: time.Hour, NodeShare: ledger.DefaultNodeShare}

func (r *rig) open(t *testing.T) {
	t.Helper()
	var err error
	if r.l, err = ledger.Open(filepath.Join(r.dir, "ledger"), terms); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.l.Close() })
	r.cfg = payments.DefaultConfig()
	r.cfg.MinConf = 1
	r.cfg.FeeRate = 2
	r.cfg.Threshold = 5000
	if r.payer, err = payments.New(r.l, r.btc.RPC(), r.key, r.cfg, nil); err != nil {
		t.Fatal(err)
	}
}

type testNode struct {
	id   peer.ID
	addr string
	priv *btcec.PrivateKey
}

func nodes(t *testing.T, n int) []testNode {
	t.Helper()
	out := make([]testNode, n)
	for i := range out {
		var seed [32]byte
		seed[0], seed[1] = byte(i), byte(i>>8)
		k, _, err := crypto.GenerateEd25519Key(rand.NewChaCha8(seed))
		if err != nil {
			t.Fatal(err)
		}
		out[i].id, _ = peer.IDFromPrivateKey(k)
		out[i].priv, _ = btcec.NewPrivateKey()
		a, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(out[i].priv.PubKey().SerializeCompressed()), regtest)
		if err != nil {
			t.Fatal(err)
		}
		out[i].addr = a.String()
	}
	return out
}

// credit gives node i (i+1) TiB proven over epochs 1..5 at full
// availability, node 0 1 GiB only (under the threshold).
func credit(t *testing.T, l *ledger.Ledger, ns []testNode) {
	t.Helper()
	for ep := uint64(1); ep <= 5; ep++ {
		var cs []ledger.Credit
		for i, n := range ns {
			b := uint64(i+1) << 40
			if i == 0 {
				b = 1 << 30
			}
			cs = append(cs, ledger.Credit{Node: n.id, Epoch: ep, ProvenBytes: b, Availability: ledger.FullAvailability, Payout: n.addr})
		}
		if _, _, err := l.CreditAll(cs); err != nil {
			t.Fatal(err)
		}
	}
}

// onChain returns what the transactions in blocks from..tip paid each
// address, and the txids of those that paid any of want.
func onChain(t *testing.T, r *rig, from int64) map[string]int64 {
	t.Helper()
	tip, err := r.btc.RPC().GetBlockCount()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for h := from; h <= tip; h++ {
		hash, _ := r.btc.RPC().GetBlockHash(h)
		blk, err := r.btc.RPC().GetBlock(hash)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Transactions[1:] {
			for _, o := range tx.TxOut {
				_, addrs, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, regtest)
				if err == nil && len(addrs) == 1 {
					got[addrs[0].String()] += o.Value
				}
			}
		}
	}
	return got
}

// TestPayout20Nodes: 20 nodes with known proven bytes over 5 epochs; the
// payout confirms, each output equals the ledger's amount to the
// satoshi, node 0 (under the threshold) carries over, and a second run
// pays nothing until more is earned.
func TestPayout20Nodes(t *testing.T) {
	r := newRig(t)
	ns := nodes(t, 20)
	credit(t, r.l, ns)
	ctx := context.Background()
	po, err := r.payer.Pay(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(po.Outputs) != 19 {
		t.Fatalf("%d outputs, want 19 (node 0 under the threshold)", len(po.Outputs))
	}
	for i, n := range ns[1:] {
		// (i+2) × 1024 GiB × 5 h × 1000 msat/GiB-h × 75%, in sat
		want := uint64(i+2) * 1024 * 5 * 1000 * 3 / 4 / 1000
		bal, _ := r.l.Balance(n.id)
		if bal.CommittedSat != want {
			t.Fatalf("node %d committed %d sat, want %d", i+1, bal.CommittedSat, want)
		}
	}
	tip, _ := r.btc.RPC().GetBlockCount()
	if err := r.btc.Mine(1); err != nil {
		t.Fatal(err)
	}
	if err := r.payer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	po, _ = r.l.Payout(po.ID)
	if po.State != ledger.Confirmed {
		t.Fatalf("payout %s after a block", po.State)
	}
	paid := onChain(t, r, tip+1)
	for _, n := range ns {
		bal, _ := r.l.Balance(n.id)
		if int64(bal.PaidSat) != paid[n.addr] {
			t.Fatalf("node %s: ledger paid %d, chain %d", n.id, bal.PaidSat, paid[n.addr])
		}
	}
	b0, _ := r.l.Balance(ns[0].id)
	if b0.PaidSat != 0 || b0.EarnedMsat == 0 {
		t.Fatalf("node 0 under the threshold: %+v", b0)
	}
	if _, err := r.payer.Pay(ctx); !errors.Is(err, payments.ErrNothingToPay) {
		t.Fatalf("second payout: %v", err)
	}
	t.Logf("payout to %d nodes: vsize %d, fee %d sat", len(po.Outputs), po.Last().VSize, po.Last().Fee)
}

// TestFeeBump: a payout left unconfirmed is bumped; the replacement
// confirms, the first never does, and each node is paid once.
func TestFeeBump(t *testing.T) {
	r := newRig(t)
	ns := nodes(t, 5)
	credit(t, r.l, ns)
	ctx := context.Background()
	po, err := r.payer.Pay(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := po.Last().Txid
	if po, _, err = r.payer.Bump(ctx, 20, false); err != nil {
		t.Fatal(err)
	}
	second := po.Last().Txid
	pool, _ := r.btc.RPC().GetRawMempool()
	if len(pool) != 1 || pool[0].String() != second {
		t.Fatalf("mempool %v, want only the replacement %s", pool, second)
	}
	tip, _ := r.btc.RPC().GetBlockCount()
	r.btc.Mine(1)
	if err := r.payer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	po, _ = r.l.Payout(po.ID)
	if po.State != ledger.Confirmed || po.Txid != second || po.Attempts[0].State != ledger.Replaced || po.Attempts[0].Txid != first {
		t.Fatalf("after the block: %+v", po)
	}
	paid := onChain(t, r, tip+1)
	for _, n := range ns[1:] {
		bal, _ := r.l.Balance(n.id)
		if int64(bal.PaidSat) != paid[n.addr] || bal.PaidSat == 0 {
			t.Fatalf("node %s: ledger %d, chain %d", n.id, bal.PaidSat, paid[n.addr])
		}
	}
}

// TestPSBTRoundTrip: the payout leaves as an unsigned PSBT, is signed
// outside the coordinator with btcutil/psbt and the key from the key file,
// comes back, is sent and confirms.
func TestPSBTRoundTrip(t *testing.T) {
	r := newRig(t)
	ns := nodes(t, 4)
	credit(t, r.l, ns)
	ctx := context.Background()
	po, b64, err := r.payer.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.payer.Pay(ctx); !errors.Is(err, ledger.ErrOpenPayout) {
		t.Fatalf("a second payout while one waits for its signature: %v", err)
	}
	signed := signOffline(t, filepath.Join(r.dir, bitcoin.KeyFile), b64)
	if _, err := r.payer.Import(ctx, []byte(strings.Replace(signed, "A", "B", 1))); err == nil {
		t.Fatal("a PSBT changed in transit was imported")
	}
	if po, err = r.payer.Import(ctx, []byte(signed)); err != nil {
		t.Fatal(err)
	}
	if po.State != ledger.Broadcast {
		t.Fatalf("imported payout %s", po.State)
	}
	r.btc.Mine(1)
	if err := r.payer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if po, _ = r.l.Payout(po.ID); po.State != ledger.Confirmed {
		t.Fatalf("payout %s", po.State)
	}
}

// signOffline is the offline signer: it knows only the PSBT and the WIF.
func signOffline(t *testing.T, keyFile string, b64 []byte) string {
	t.Helper()
	wifText, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	wif, err := btcutil.DecodeWIF(strings.TrimSpace(string(wifText)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := psbt.NewFromRawBytes(strings.NewReader(strings.TrimSpace(string(b64))), true)
	if err != nil {
		t.Fatal(err)
	}
	u, err := psbt.NewUpdater(p)
	if err != nil {
		t.Fatal(err)
	}
	prev := map[wire.OutPoint]*wire.TxOut{}
	for i, in := range p.UnsignedTx.TxIn {
		prev[in.PreviousOutPoint] = p.Inputs[i].WitnessUtxo
	}
	fetch := txscript.NewMultiPrevOutFetcher(prev)
	hashes := txscript.NewTxSigHashes(p.UnsignedTx, fetch)
	pub := wif.PrivKey.PubKey().SerializeCompressed()
	for i := range p.Inputs {
		u := p.Inputs[i].WitnessUtxo
		sig, err := txscript.RawTxInWitnessSignature(p.UnsignedTx, hashes, i, u.Value, u.PkScript, txscript.SigHashAll, wif.PrivKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := updaterSign(p, i, sig, pub); err != nil {
			t.Fatal(err)
		}
	}
	_ = u
	s, err := p.B64Encode()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func updaterSign(p *psbt.Packet, i int, sig, pub []byte) (psbt.SignOutcome, error) {
	u, err := psbt.NewUpdater(p)
	if err != nil {
		return 0, err
	}
	return u.Sign(i, sig, pub, nil, nil)
}

var _ = fmt.Sprint
var _ chainhash.Hash

// TestPayoutSizes pays 50 and then 500 nodes on btcd and reports the
// virtual size and fee of each payout and the time to plan and sign it.
func TestPayoutSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	r := newRig(t)
	ctx := context.Background()
	all := nodes(t, 550)
	for _, ns := range [][]testNode{all[:50], all[50:]} {
		var cs []ledger.Credit
		for _, n := range ns {
			cs = append(cs, ledger.Credit{Node: n.id, Epoch: 1, ProvenBytes: 10 << 40, Availability: ledger.FullAvailability, Payout: n.addr})
		}
		if _, _, err := r.l.CreditAll(cs); err != nil {
			t.Fatal(err)
		}
		if err := r.payer.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		plan, err := r.payer.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := bitcoin.Sign(r.key, plan.Built); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		po, err := r.payer.Pay(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(po.Outputs) != len(ns) {
			t.Fatalf("%d outputs, want %d", len(po.Outputs), len(ns))
		}
		r.btc.Mine(1)
		if err := r.payer.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if po, _ = r.l.Payout(po.ID); po.State != ledger.Confirmed {
			t.Fatalf("payout to %d nodes: %s", len(ns), po.State)
		}
		a := po.Last()
		t.Logf("payout to %d nodes: %d inputs, vsize %d vB, fee %d sat at %d sat/vB (%.1f sat per node); plan+sign %v",
			len(ns), len(po.Inputs), a.VSize, a.Fee, a.FeeRate, float64(a.Fee)/float64(len(ns)), took.Round(time.Millisecond))
	}
}

// TestScheduler: a scheduler left running pays the nodes and records the
// confirmation once a block comes.
func TestScheduler(t *testing.T) {
	r := newRig(t)
	r.cfg.Interval = 50 * time.Millisecond
	payer, err := payments.New(r.l, r.btc.RPC(), r.key, r.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ns := nodes(t, 3)
	credit(t, r.l, ns)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&payments.Scheduler{Payer: payer}).Run(ctx) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
	defer wcancel()
	err = wait.For(wctx, func() error {
		b, _ := r.l.Balance(ns[2].id)
		if b.PaidSat > 0 {
			return nil
		}
		if pool, _ := r.btc.RPC().GetRawMempool(); len(pool) > 0 {
			r.btc.Mine(1)
		}
		return fmt.Errorf("node 2 not paid yet: %+v", b)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFeeShareCarriesOver: at 100 sat/vB a 31 vB output costs 3100 sat,
// over 25% of node 1's 7680 sat and node 2's 11520: they carry over
// (with node 0, under the threshold); nodes 3 (15360 sat, 20%) and 4 are
// paid.
func TestFeeShareCarriesOver(t *testing.T) {
	r := newRig(t)
	r.cfg.FeeRate = 100
	payer, err := payments.New(r.l, r.btc.RPC(), r.key, r.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ns := nodes(t, 5)
	credit(t, r.l, ns)
	plan, err := payer.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	paid := map[peer.ID]bool{}
	for _, o := range plan.Outputs {
		paid[o.Node] = true
	}
	if paid[ns[1].id] || paid[ns[2].id] || !paid[ns[3].id] || !paid[ns[4].id] || plan.Skipped != 3 {
		t.Fatalf("plan pays %v, skips %d", plan.Outputs, plan.Skipped)
	}
}
