package payments

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// Chain is what the payer asks of a Bitcoin node; *rpcclient.Client has
// it, against btcd or bitcoind. Calls are synchronous.
type Chain interface {
	GetBlockCount() (int64, error)
	GetBlockHash(height int64) (*chainhash.Hash, error)
	GetBlock(hash *chainhash.Hash) (*wire.MsgBlock, error)
	GetRawMempool() ([]*chainhash.Hash, error)
	SendRawTransaction(tx *wire.MsgTx, allowHighFees bool) (*chainhash.Hash, error)
}

// Sync scans the blocks MinConf deep that the ledger has not seen (the
// coordinator's outputs, spends and a confirmed payout, a batch per
// block), then makes sure an open signed payout is in the Bitcoin node's
// mempool, sending it again if it is not (after a crash between record
// and broadcast, or a node restarted with an empty mempool).
func (p *Payer) Sync(ctx context.Context) error { return p.SyncProgress(ctx, nil) }

// SyncProgress is Sync telling progress, if set, after each block scanned
// how many of the blocks to scan are done (a first scan of a long chain
// takes a while); it is called on Sync's goroutine.
func (p *Payer) SyncProgress(ctx context.Context, progress func(done, total int)) error {
	if err := p.scan(ctx, progress); err != nil {
		return err
	}
	open, err := p.l.Open()
	if err != nil || open == nil {
		return err
	}
	return p.ensureSent(open)
}

func (p *Payer) scan(ctx context.Context, progress func(done, total int)) error {
	tip, err := p.chain.GetBlockCount()
	if err != nil {
		return fmt.Errorf("bitcoin node: %w", err)
	}
	last, lastHash, err := p.l.Scanned()
	if err != nil {
		return err
	}
	if last >= 0 {
		h, err := p.chain.GetBlockHash(int64(last))
		if err != nil {
			return fmt.Errorf("bitcoin node: %w", err)
		}
		if h.String() != lastHash {
			return fmt.Errorf("the chain reorganised below block %d, which the ledger scanned (%s, now %s): deeper than --btc-min-conf; stop payouts and reconcile by hand", last, lastHash, h)
		}
	}
	from := max(last+1, p.cfg.Birth)
	to := int32(tip) - p.cfg.MinConf + 1
	if from > to {
		return nil
	}
	utxos, err := p.l.UTXOs()
	if err != nil {
		return err
	}
	own := map[wire.OutPoint]bool{}
	for _, u := range utxos {
		op, err := outPoint(u.OutPoint)
		if err != nil {
			return err
		}
		own[op] = true
	}
	script := p.key.PkScript()
	for h := from; h <= to; h++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if progress != nil {
			progress(int(h-from), int(to-from+1))
		}
		hash, err := p.chain.GetBlockHash(int64(h))
		if err != nil {
			return fmt.Errorf("bitcoin node: block %d: %w", h, err)
		}
		blk, err := p.chain.GetBlock(hash)
		if err != nil {
			return fmt.Errorf("bitcoin node: block %d: %w", h, err)
		}
		b := ledger.Block{Height: h, Hash: hash.String()}
		for i, tx := range blk.Transactions {
			txid := tx.TxHash()
			spends := false
			for _, in := range tx.TxIn {
				if own[in.PreviousOutPoint] {
					delete(own, in.PreviousOutPoint)
					b.Spend = append(b.Spend, ledger.OutPoint{Txid: in.PreviousOutPoint.Hash.String(), Vout: in.PreviousOutPoint.Index})
					spends = true
				}
			}
			if spends {
				b.Confirmed = append(b.Confirmed, txid.String())
			}
			for vout, out := range tx.TxOut {
				if bytes.Equal(out.PkScript, script) {
					own[wire.OutPoint{Hash: txid, Index: uint32(vout)}] = true
					b.Add = append(b.Add, ledger.UTXO{OutPoint: ledger.OutPoint{Txid: txid.String(), Vout: uint32(vout)},
						Value: uint64(out.Value), Height: h, Coinbase: i == 0})
				}
			}
		}
		if err := p.l.ApplyBlock(b); err != nil {
			return err
		}
	}
	return nil
}

// ensureSent sends the open payout's latest signed attempt unless an
// attempt is in the mempool already.
func (p *Payer) ensureSent(open *ledger.Payout) error {
	pool, err := p.chain.GetRawMempool()
	if err != nil {
		return fmt.Errorf("bitcoin node: %w", err)
	}
	in := map[string]bool{}
	for _, h := range pool {
		in[h.String()] = true
	}
	for _, a := range open.Attempts {
		if in[a.Txid] {
			return nil
		}
	}
	var send *ledger.Attempt
	for i := range open.Attempts {
		if len(open.Attempts[i].Tx) > 0 {
			send = &open.Attempts[i]
		}
	}
	if send == nil {
		return nil // built, waiting for its PSBT to come back
	}
	return p.send(open, send)
}

// send broadcasts a and records it as broadcast. A node that already has
// the transaction, or has it in a block not yet MinConf deep, is not an
// error: the scan confirms it later.
func (p *Payer) send(po *ledger.Payout, a *ledger.Attempt) error {
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(a.Tx)); err != nil {
		return fmt.Errorf("payout %d: stored transaction: %w", po.ID, err)
	}
	if _, err := p.chain.SendRawTransaction(&tx, false); err != nil && !alreadyKnown(err) {
		return fmt.Errorf("payout %d: broadcast %s: %w", po.ID, a.Txid, err)
	}
	p.log.Info("payout broadcast", "payout", po.ID, "txid", a.Txid, "fee", a.Fee, "outputs", len(po.Outputs))
	if a.State == ledger.Broadcast {
		return nil
	}
	a.State = ledger.Broadcast
	po.State = ledger.Broadcast
	return p.l.Update(po)
}

// alreadyKnown tells btcd's and bitcoind's "I have it" apart from a
// refusal. The RPC gives only a message: btcd says "already have
// transaction", bitcoind "txn-already-known", "txn-already-in-mempool"
// "Transaction already in block chain" or "outputs already in utxo set"; an input spent by a mined
// attempt is "already spent" / "missing-inputs", settled by the scan.
func alreadyKnown(err error) bool {
	s := strings.ToLower(err.Error())
	for _, m := range []string{"already have transaction", "already-known", "already-in-mempool",
		"already in block chain", "already in utxo set", "already spent", "missing-inputs", "missing inputs", "orphan transaction"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

func outPoint(o ledger.OutPoint) (wire.OutPoint, error) {
	h, err := chainhash.NewHashFromStr(o.Txid)
	if err != nil {
		return wire.OutPoint{}, err
	}
	return wire.OutPoint{Hash: *h, Index: o.Vout}, nil
}
