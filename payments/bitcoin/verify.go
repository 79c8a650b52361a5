package bitcoin

import (
	"fmt"

	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// Verify checks that tx spends exactly coins, in order, and that every
// input is validly signed (the script engine with standard flags): an
// imported transaction the network would refuse is caught before it is
// recorded as signed.
func Verify(key Key, tx *wire.MsgTx, coins []Coin) error {
	if len(tx.TxIn) != len(coins) {
		return fmt.Errorf("%w: %d inputs, the payout has %d", ErrBadPSBT, len(tx.TxIn), len(coins))
	}
	script := key.PkScript()
	m := map[wire.OutPoint]*wire.TxOut{}
	for i, in := range tx.TxIn {
		if in.PreviousOutPoint != coins[i].OutPoint {
			return fmt.Errorf("%w: input %d spends %s, not the payout's coin", ErrBadPSBT, i, in.PreviousOutPoint)
		}
		m[in.PreviousOutPoint] = wire.NewTxOut(coins[i].Value, script)
	}
	fetch := txscript.NewMultiPrevOutFetcher(m)
	hashes := txscript.NewTxSigHashes(tx, fetch)
	for i, c := range coins {
		e, err := txscript.NewEngine(script, tx, i, txscript.StandardVerifyFlags, nil, hashes, c.Value, fetch)
		if err != nil {
			return fmt.Errorf("%w: input %d: %v", ErrBadPSBT, i, err)
		}
		if err := e.Execute(); err != nil {
			return fmt.Errorf("%w: input %d is not validly signed: %v", ErrBadPSBT, i, err)
		}
	}
	return nil
}
