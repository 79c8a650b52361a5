package bitcoin

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// FuzzImportPSBT feeds anything to the PSBT import: it must not panic,
// and what it accepts is a transaction.
func FuzzImportPSBT(f *testing.F) {
	k, err := LoadOrCreateKey(f.TempDir()+"/k", &chaincfg.RegressionNetParams)
	if err != nil {
		f.Fatal(err)
	}
	b := &Built{Tx: wire.NewMsgTx(2), Coins: []Coin{{OutPoint: wire.OutPoint{Hash: chainhash.Hash{1}}, Value: 5000}}}
	b.Tx.AddTxIn(&wire.TxIn{PreviousOutPoint: b.Coins[0].OutPoint, Sequence: RBFSequence})
	b.Tx.AddTxOut(wire.NewTxOut(4000, k.PkScript()))
	unsigned, err := ExportPSBT(k, b)
	if err != nil {
		f.Fatal(err)
	}
	if err := Sign(k, b); err != nil {
		f.Fatal(err)
	}
	f.Add(unsigned)
	f.Add([]byte("cHNidP8BAAoCAAAAAAAAAAAAAA=="))
	f.Add([]byte("psbt\xff\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		tx, err := ImportPSBT(in)
		if err == nil && tx == nil {
			t.Fatal("accepted with no transaction")
		}
		_, _ = UnsignedTx(in)
	})
}
