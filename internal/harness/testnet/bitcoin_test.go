package testnet_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// TestBitcoinPayouts runs what `testnet up --btc` runs, faster: btcd on
// regtest, a funded coordinator, six storage nodes each enrolled with the
// address of the payout key in its directory, 2 s epochs, a payout every
// 2 s and a block every second. A client stores 1 MiB; the nodes prove
// it; a scheduled payout confirms on the chain; every output of every
// confirmed payout is the ledger's amount to the satoshi, and what each
// node's address received on the chain is what the ledger says it paid.
func TestBitcoinPayouts(t *testing.T) {
	pay := testnet.TestnetPayments()
	pay.Interval = 2 * time.Second
	net := nettest.NewWith(t, testclient.WithStorage(testnet.Options{Nodes: 6, Epoch: 2 * time.Second,
		Bitcoin: &testnet.BitcoinOptions{
			// 1000 BTC per GiB-hour: a node holding a quarter MiB
			// earns 10,000 sat a 2 s epoch, over the threshold at once.
			PayRateMsat: 100_000_000_000_000,
			Payments:    pay,
			BlockEvery:  time.Second,
		}}))
	b := net.Bitcoin()
	addrs := map[peer.ID]string{} // the address of each node's payout key
	for _, p := range net.Nodes() {
		path := filepath.Join(p.Dir, testnet.PayoutKeyFile)
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("node %d payout key: %v (want mode 0600)", p.Index, err)
		}
		k, err := bitcoin.LoadOrCreateKey(path, testnet.Regtest)
		if err != nil {
			t.Fatal(err)
		}
		addrs[p.ID] = k.Address().String()
	}

	c := clienttest.New(t, net, nil)
	data := make([]byte, 1<<20)
	rand.Read(data)
	t0 := time.Now()
	if _, err := c.Put(t.Context(), bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "paid"}); err != nil {
		t.Fatal(err)
	}

	// A scheduled payout confirms: the ledger sees it in a block.
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	var first *ledger.Payout
	err := wait.For(ctx, func() error {
		pos, err := b.Ledger.Payouts()
		if err != nil {
			return err
		}
		for _, po := range pos {
			if po.State == ledger.Confirmed {
				first = po
				return nil
			}
		}
		bals, _ := b.Ledger.Balances()
		var earned []uint64
		for _, bal := range bals {
			earned = append(earned, bal.EarnedMsat)
		}
		var proofs []string
		if c, ok := net.Coordinator().Role().(*coordinator.Coordinator); ok {
			vs, _ := c.Nodes()
			for _, v := range vs {
				proofs = append(proofs, fmt.Sprintf("%d proven/%d missed/%d failed audits", v.Proven, v.Missed, v.Failed))
			}
		}
		return fmt.Errorf("%d payouts, none confirmed; earned msat %v; proofs %v", len(pos), earned, proofs)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first confirmed payout %v after the put (recorded and sent %v after it): %d nodes, %d sat, vsize %d, fee %d sat (%d sat/vB), block %d",
		time.Since(t0).Round(time.Second), first.Created.Sub(t0).Round(time.Second), len(first.Outputs), first.Total(), first.Last().VSize, first.Last().Fee,
		first.Last().FeeRate, first.Height)

	// Stop the coordinator (and its scheduler) and settle what is in
	// flight: a block takes any payout sent, a sync records it.
	if err := net.Coordinator().Stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.Node.Mine(1); err != nil {
		t.Fatal(err)
	}
	if err := b.Payer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if open, err := b.Ledger.Open(); err != nil || open != nil {
		t.Fatalf("payout still open after a block and a sync: %+v, %v", open, err)
	}

	// Each confirmed payout's transaction, read from its block: each
	// output is the ledger's amount to the satoshi.
	pos, err := b.Ledger.Payouts()
	if err != nil {
		t.Fatal(err)
	}
	confirmed := 0
	for _, po := range pos {
		if po.State != ledger.Confirmed {
			t.Fatalf("payout %d is %s", po.ID, po.State)
		}
		confirmed++
		onChain := txOutputs(t, b, po)
		for _, o := range po.Outputs {
			if o.Address != addrs[o.Node] {
				t.Fatalf("payout %d pays node %s at %s, its key's address is %s", po.ID, o.Node, o.Address, addrs[o.Node])
			}
			if got := onChain[o.Address]; got != int64(o.Sat) {
				t.Fatalf("payout %d: %s got %d sat on the chain, the ledger says %d", po.ID, o.Address, got, o.Sat)
			}
		}
	}

	// Each node's address received on the chain exactly what the ledger
	// says it was paid.
	got, err := b.Received(testnet.FundingBlocks + 1)
	if err != nil {
		t.Fatal(err)
	}
	paid := 0
	for id, addr := range addrs {
		bal, err := b.Ledger.Balance(id)
		if err != nil {
			t.Fatal(err)
		}
		if int64(bal.PaidSat) != got[addr] || bal.CommittedSat != bal.PaidSat {
			t.Fatalf("node %s: ledger paid %d (committed %d), its address received %d on the chain", id, bal.PaidSat, bal.CommittedSat, got[addr])
		}
		if bal.PaidSat > 0 {
			paid++
		}
	}
	if paid == 0 {
		t.Fatal("no node was paid")
	}
	t.Logf("%d confirmed payouts; %d of %d nodes paid, each address's receipts equal to the ledger", confirmed, paid, len(addrs))
}

// txOutputs reads payout po's confirmed transaction from its block and
// returns what it pays each address.
func txOutputs(t *testing.T, b *testnet.Bitcoin, po *ledger.Payout) map[string]int64 {
	t.Helper()
	rpc := b.Node.RPC()
	hash, err := rpc.GetBlockHash(int64(po.Height))
	if err != nil {
		t.Fatal(err)
	}
	blk, err := rpc.GetBlock(hash)
	if err != nil {
		t.Fatal(err)
	}
	want, err := chainhash.NewHashFromStr(po.Txid)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range blk.Transactions {
		if tx.TxHash() != *want {
			continue
		}
		out := map[string]int64{}
		for _, o := range tx.TxOut {
			_, as, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, testnet.Regtest)
			if err == nil && len(as) == 1 {
				out[as[0].String()] += o.Value
			}
		}
		return out
	}
	t.Fatal(errors.New("payout " + po.Txid + " is not in block " + hash.String()))
	return nil
}
