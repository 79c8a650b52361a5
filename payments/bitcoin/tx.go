package bitcoin

import (
	"errors"
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// RBFSequence signals replaceability (BIP 125) on every input.
const RBFSequence = wire.MaxTxInSequenceNum - 2

// DustLimit is the smallest change output kept (P2WPKH dust at 3 sat/vB
// relay policy); less goes to the fee.
const DustLimit = 294

// Coin is an output the coordinator can spend.
type Coin struct {
	OutPoint wire.OutPoint
	Value    int64
}

// Pay is one payout output.
type Pay struct {
	Address string
	Sat     int64
}

// Built is an unsigned payout transaction.
type Built struct {
	Tx     *wire.MsgTx
	Coins  []Coin // spent, in input order
	Fee    int64
	VSize  int64 // with the largest signatures
	Change int64 // 0 when none
}

// ErrFunds means the coordinator's coins do not cover outputs and fee.
var ErrFunds = errors.New("the coordinator's Bitcoin balance does not cover the payout and its fee")

// OutputScript decodes addr on net into its output script; segwit only.
func OutputScript(addr string, net *chaincfg.Params) ([]byte, error) {
	a, err := btcutil.DecodeAddress(addr, net)
	if err != nil || !a.IsForNet(net) {
		return nil, fmt.Errorf("payout address %q is not for Bitcoin %s", addr, net.Name)
	}
	switch a.(type) {
	case *btcutil.AddressWitnessPubKeyHash, *btcutil.AddressWitnessScriptHash, *btcutil.AddressTaproot:
	default:
		return nil, fmt.Errorf("payout address %q is not segwit", addr)
	}
	return txscript.PayToAddrScript(a)
}

// Build makes a transaction paying pays from coins (largest first, as few
// as cover the outputs and the fee at feeRate sat/vB) with change to key.
func Build(key Key, coins []Coin, pays []Pay, feeRate int64) (*Built, error) {
	tx := wire.NewMsgTx(2)
	var total int64
	for _, p := range pays {
		script, err := OutputScript(p.Address, key.net)
		if err != nil {
			return nil, err
		}
		if p.Sat <= 0 {
			return nil, fmt.Errorf("payout of %d sat to %s", p.Sat, p.Address)
		}
		tx.AddTxOut(wire.NewTxOut(p.Sat, script))
		total += p.Sat
	}
	sorted := append([]Coin(nil), coins...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Value > sorted[j].Value })
	b := &Built{Tx: tx}
	var in int64
	change := wire.NewTxOut(0, key.PkScript())
	for _, c := range sorted {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: c.OutPoint, Sequence: RBFSequence})
		b.Coins = append(b.Coins, c)
		in += c.Value
		tx.AddTxOut(change)
		vsize := VSize(tx)
		fee := feeRate * vsize
		if in >= total+fee+DustLimit {
			b.Change, b.Fee, b.VSize = in-total-fee, fee, vsize
			change.Value = b.Change
			return b, nil
		}
		tx.TxOut = tx.TxOut[:len(tx.TxOut)-1]
		vsize = VSize(tx)
		if fee := feeRate * vsize; in >= total+fee {
			b.Fee, b.VSize = in-total, vsize // the dust left goes to the fee
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: %d sat of outputs, %d sat in %d coins", ErrFunds, total, in, len(coins))
}

// VSize is tx's virtual size once signed with the largest P2WPKH
// signatures; tx's witnesses are left as they were.
func VSize(tx *wire.MsgTx) int64 {
	c := tx.Copy()
	for _, in := range c.TxIn {
		in.Witness = wire.TxWitness{make([]byte, 73), make([]byte, 33)}
	}
	w := blockchain.GetTransactionWeight(btcutil.NewTx(c))
	return (w + 3) / 4
}

// Bump returns a copy of b paying feeRate (at least the BIP 125 minimum:
// the old fee plus 1 sat/vB of the new size) out of the change.
func Bump(key Key, b *Built, feeRate int64) (*Built, error) {
	tx := b.Tx.Copy()
	for _, in := range tx.TxIn {
		in.Witness, in.SignatureScript = nil, nil
	}
	idx := -1
	own := key.PkScript()
	for i, o := range tx.TxOut {
		if string(o.PkScript) == string(own) {
			idx = i
		}
	}
	if idx < 0 {
		return nil, errors.New("the payout has no change to pay a higher fee from")
	}
	vsize := VSize(tx)
	fee := max(feeRate*vsize, b.Fee+vsize)
	change := tx.TxOut[idx].Value - (fee - b.Fee)
	if change < DustLimit {
		return nil, fmt.Errorf("the payout's change (%d sat) cannot pay a fee of %d sat", tx.TxOut[idx].Value, fee)
	}
	tx.TxOut[idx].Value = change
	return &Built{Tx: tx, Coins: b.Coins, Fee: fee, VSize: vsize, Change: change}, nil
}

// Sign signs every input of b with key (P2WPKH, SIGHASH_ALL).
func Sign(key Key, b *Built) error {
	prev := map[wire.OutPoint]*wire.TxOut{}
	script := key.PkScript()
	for _, c := range b.Coins {
		prev[c.OutPoint] = wire.NewTxOut(c.Value, script)
	}
	hashes := txscript.NewTxSigHashes(b.Tx, txscript.NewMultiPrevOutFetcher(prev))
	for i, in := range b.Tx.TxIn {
		c := prev[in.PreviousOutPoint]
		if c == nil {
			return fmt.Errorf("input %d spends %s, not one of the payout's coins", i, in.PreviousOutPoint)
		}
		w, err := txscript.WitnessSignature(b.Tx, hashes, i, c.Value, script, txscript.SigHashAll, key.priv, true)
		if err != nil {
			return err
		}
		in.Witness = w
	}
	return nil
}

// Txid is tx's ID (the same before and after signing a segwit tx).
func Txid(tx *wire.MsgTx) chainhash.Hash { return tx.TxHash() }
