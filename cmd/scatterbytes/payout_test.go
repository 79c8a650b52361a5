package main

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// payoutRig is a coordinator directory (profile, Bitcoin key, ledger with
// credits for 10 nodes) and a btcd on regtest that mined 500 blocks to
// the coordinator's address.
type payoutRig struct {
	bin, dir string
	btc      *btcnode.Node
	nodes    map[string]peer.ID // payout address → node
	args     []string
}

func newPayoutRig(t *testing.T, bin string) *payoutRig {
	t.Helper()
	r := &payoutRig{bin: bin, dir: t.TempDir(), nodes: map[string]peer.ID{}}
	p := &profile.Profile{Name: "paytest", ProtocolPrefix: "/scatterbytes", Open: true, Bootstrap: []string{},
		Epoch: profile.Duration(time.Hour), Redundancy: "2+1", PayRateMsat: 1000}
	if err := p.Save(filepath.Join(r.dir, "network.json")); err != nil {
		t.Fatal(err)
	}
	key, err := bitcoin.LoadOrCreateKey(filepath.Join(r.dir, bitcoin.KeyFile), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if r.btc, err = btcnode.Start(ctx, t.TempDir(), key.Address().String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.btc.Stop() })
	if err := r.btc.Mine(500); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(filepath.Join(r.dir, "ledger"), ledger.Terms{PriceMsat: 1000, Epoch: time.Hour, NodeShare: ledger.DefaultNodeShare})
	if err != nil {
		t.Fatal(err)
	}
	var cs []ledger.Credit
	for i := 0; i < 10; i++ {
		var seed [32]byte
		seed[0] = byte(i)
		k, _, _ := crypto.GenerateEd25519Key(rand.NewChaCha8(seed))
		id, _ := peer.IDFromPrivateKey(k)
		bk, _ := btcec.NewPrivateKey()
		a, _ := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(bk.PubKey().SerializeCompressed()), &chaincfg.RegressionNetParams)
		r.nodes[a.String()] = id
		for ep := uint64(1); ep <= 3; ep++ {
			cs = append(cs, ledger.Credit{Node: id, Epoch: ep, ProvenBytes: uint64(i+1) << 40, Availability: ledger.FullAvailability, Payout: a.String()})
		}
	}
	if _, _, err := l.CreditAll(cs); err != nil {
		t.Fatal(err)
	}
	l.Close()
	pass := filepath.Join(r.dir, "rpc.pass")
	os.WriteFile(pass, []byte(r.btc.Pass+"\n"), 0o600)
	r.args = []string{"--dir", r.dir, "--btc-rpc", r.btc.RPCHost, "--btc-rpc-user", r.btc.User,
		"--btc-rpc-pass-file", pass, "--fee-rate", "2", "--threshold", "1000", "--btc-min-conf", "1"}
	return r
}

// run runs `scatterbytes coordinator payout ARGS` with env added.
func (r *payoutRig) run(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(r.bin, append(append([]string{"coordinator", "payout"}, args...), r.args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// checkChain sums what the chain paid each node's address and compares it
// with the ledger: every node paid exactly its ledger amount, once.
func (r *payoutRig) checkChain(t *testing.T) {
	t.Helper()
	rpc := r.btc.RPC()
	tip, _ := rpc.GetBlockCount()
	paid := map[string]int64{}
	for h := int64(1); h <= tip; h++ {
		hash, _ := rpc.GetBlockHash(h)
		blk, err := rpc.GetBlock(hash)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Transactions[1:] {
			for _, o := range tx.TxOut {
				if _, as, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, &chaincfg.RegressionNetParams); err == nil && len(as) == 1 {
					paid[as[0].String()] += o.Value
				}
			}
		}
	}
	l, err := ledger.Open(filepath.Join(r.dir, "ledger"), ledger.Terms{PriceMsat: 1000, Epoch: time.Hour, NodeShare: ledger.DefaultNodeShare})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for addr, id := range r.nodes {
		b, _ := l.Balance(id)
		want := int64(b.EarnedMsat / 1000)
		if paid[addr] != want || int64(b.PaidSat) != want {
			t.Errorf("node %s: chain paid %d sat, ledger paid %d, earned %d", id, paid[addr], b.PaidSat, want)
		}
	}
}

func killedAt(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// TestPayoutSurvivesSIGKILL kills a real `coordinator payout` process
// (the test hook payments.CrashEnv) right after it recorded the signed
// payout, before sending it, and in a second network right after sending
// it, before any confirmation is recorded. After a restart every node is
// paid exactly its balance, once, on the chain.
func TestPayoutSurvivesSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	for _, point := range []string{"signed", "broadcast"} {
		t.Run(point, func(t *testing.T) {
			r := newPayoutRig(t, bin)
			out, err := r.run(t, []string{payments.CrashEnv + "=" + point})
			if !killedAt(err) {
				t.Fatalf("payout with the hook at %s: %v\n%s", point, err, out)
			}
			pool, _ := r.btc.RPC().GetRawMempool()
			if want := map[string]int{"signed": 0, "broadcast": 1}[point]; len(pool) != want {
				t.Fatalf("mempool after the kill at %s: %d transactions, want %d", point, len(pool), want)
			}
			if point == "broadcast" {
				r.btc.Mine(1) // it confirms while the coordinator is down
			}
			// restart: finds the payout, sends it if it must, makes no second one
			if out, err = r.run(t, nil); err != nil {
				t.Fatalf("payout after restart: %v\n%s", err, out)
			}
			t.Logf("after restart: %s", strings.TrimSpace(out))
			r.btc.Mine(1)
			if out, err = r.run(t, nil); err != nil || !strings.Contains(out, "nothing to pay") {
				t.Fatalf("payout after the confirmation: %v\n%s", err, out)
			}
			r.checkChain(t)
			r.checkStatements(t)
		})
	}
}

// checkStatements reads each node's statement as JSON: every satoshi
// paid is traced to a credit and to the confirmed payout's txid, and what
// is left unpaid is under a satoshi.
func (r *payoutRig) checkStatements(t *testing.T) {
	t.Helper()
	for _, id := range r.nodes {
		out, err := exec.Command(r.bin, "coordinator", "statement", "--dir", r.dir, "--node", id.String(), "--json").Output()
		if err != nil {
			t.Fatalf("statement: %v", err)
		}
		var st ledger.Statement
		if err := json.Unmarshal(out, &st); err != nil {
			t.Fatalf("statement JSON: %v\n%s", err, out)
		}
		if len(st.Payouts) != 1 || st.Payouts[0].State != ledger.Confirmed || len(st.Credits) != 3 {
			t.Fatalf("statement of %s: %s", id, out)
		}
		var paid, unpaid uint64
		for _, c := range st.Credits {
			for _, p := range c.Paid {
				if p.Txid != st.Payouts[0].Txid {
					t.Fatalf("credit of epoch %d paid by %s, not %s", c.Epoch, p.Txid, st.Payouts[0].Txid)
				}
				paid += p.Msat
			}
			unpaid += c.UnpaidMsat
		}
		if paid != st.Balance.PaidSat*1000 || unpaid >= 1000 {
			t.Fatalf("statement of %s: %d msat traced, %d sat paid, %d msat unpaid", id, paid, st.Balance.PaidSat, unpaid)
		}
	}
}
