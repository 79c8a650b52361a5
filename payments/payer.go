package payments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"github.com/btcsuite/btcd/wire"

	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// Payer pays the ledger's balances from the coordinator's Bitcoin key
// through a Bitcoin node. Its methods are not safe for concurrent use:
// one payer runs per ledger (the Scheduler, or one CLI command).
type Payer struct {
	l     *ledger.Ledger
	chain Chain
	key   bitcoin.Key
	cfg   Config
	log   *slog.Logger
}

// New makes a payer; log may be nil.
func New(l *ledger.Ledger, chain Chain, key bitcoin.Key, cfg Config, log *slog.Logger) (*Payer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Payer{l: l, chain: chain, key: key, cfg: cfg, log: log}, nil
}

// ErrNothingToPay means no balance clears the threshold and its fee share.
var ErrNothingToPay = errors.New("no balance is ready to be paid")

// Plan is a payout as it would be made now.
type Plan struct {
	Outputs []ledger.Output
	Skipped int // balances left to carry over (under threshold, fee share, no address)
	Built   *bitcoin.Built
}

// outputVSize is the vbytes a payout output adds (8 value + 1 length + script).
func outputVSize(addr string, p *Payer) int64 {
	s, err := bitcoin.OutputScript(addr, p.key.Net())
	if err != nil {
		return 0
	}
	return int64(9 + len(s))
}

// Plan syncs and chooses the outputs and coins of the next payout.
func (p *Payer) Plan(ctx context.Context) (*Plan, error) {
	if err := p.Sync(ctx); err != nil {
		return nil, err
	}
	if open, err := p.l.Open(); err != nil {
		return nil, err
	} else if open != nil {
		return nil, fmt.Errorf("%w: payout %d (%s, txid %s)", ledger.ErrOpenPayout, open.ID, open.State, open.Last().Txid)
	}
	bals, err := p.l.Balances()
	if err != nil {
		return nil, err
	}
	plan := &Plan{}
	for _, b := range bals {
		sat := int64(b.AvailableSat())
		if sat <= 0 {
			continue
		}
		vs := outputVSize(b.Payout, p)
		if b.Payout == "" || vs == 0 || sat < p.cfg.Threshold || vs*p.cfg.FeeRate*100 > sat*p.cfg.MaxFeeShare {
			plan.Skipped++
			continue
		}
		plan.Outputs = append(plan.Outputs, ledger.Output{Node: b.Node, Address: b.Payout, Sat: uint64(sat)})
	}
	if len(plan.Outputs) == 0 {
		return plan, ErrNothingToPay
	}
	sort.Slice(plan.Outputs, func(i, j int) bool { return plan.Outputs[i].Node < plan.Outputs[j].Node })
	coins, err := p.coins()
	if err != nil {
		return nil, err
	}
	pays := make([]bitcoin.Pay, len(plan.Outputs))
	for i, o := range plan.Outputs {
		pays[i] = bitcoin.Pay{Address: o.Address, Sat: int64(o.Sat)}
	}
	if plan.Built, err = bitcoin.Build(p.key, coins, pays, p.cfg.FeeRate); err != nil {
		return nil, err
	}
	return plan, nil
}

// coins are the coordinator's spendable outputs: mature coinbases and
// every other output the scan found.
func (p *Payer) coins() ([]bitcoin.Coin, error) {
	utxos, err := p.l.UTXOs()
	if err != nil {
		return nil, err
	}
	tip, err := p.chain.GetBlockCount()
	if err != nil {
		return nil, fmt.Errorf("bitcoin node: %w", err)
	}
	var out []bitcoin.Coin
	for _, u := range utxos {
		if u.Coinbase && int64(tip)+1-int64(u.Height) < int64(p.key.Net().CoinbaseMaturity) {
			continue
		}
		op, err := outPoint(u.OutPoint)
		if err != nil {
			return nil, err
		}
		out = append(out, bitcoin.Coin{OutPoint: op, Value: int64(u.Value)})
	}
	return out, nil
}

// Pay makes, records and sends the next payout, signed with the
// coordinator's key. The order is what makes a crash harmless: the signed
// transaction and the debits are committed in one batch before anything
// is sent; the send is recorded after; Sync finds an unsent or unrecorded
// one and finishes it.
func (p *Payer) Pay(ctx context.Context) (*ledger.Payout, error) {
	plan, err := p.Plan(ctx)
	if err != nil {
		return nil, err
	}
	if err := bitcoin.Sign(p.key, plan.Built); err != nil {
		return nil, err
	}
	po, err := p.commit(plan, ledger.Signed, nil)
	if err != nil {
		return nil, err
	}
	crashPoint("signed")
	if err := p.send(po, po.Last()); err != nil {
		return po, err
	}
	crashPoint("broadcast")
	return po, nil
}

// Export makes and records the next payout unsigned and returns its
// PSBT for an offline signer; Import takes it back.
func (p *Payer) Export(ctx context.Context) (*ledger.Payout, []byte, error) {
	plan, err := p.Plan(ctx)
	if err != nil {
		return nil, nil, err
	}
	b64, err := bitcoin.ExportPSBT(p.key, plan.Built)
	if err != nil {
		return nil, nil, err
	}
	po, err := p.commit(plan, ledger.Built, b64)
	return po, b64, err
}

func (p *Payer) commit(plan *Plan, st ledger.State, psbt []byte) (*ledger.Payout, error) {
	b := plan.Built
	a := ledger.Attempt{Txid: b.Tx.TxHash().String(), State: st, FeeRate: uint64(p.cfg.FeeRate),
		Fee: uint64(b.Fee), VSize: b.VSize, Change: uint64(b.Change), PSBT: psbt}
	if st != ledger.Built {
		a.Tx = serialize(b.Tx)
	}
	po := &ledger.Payout{Outputs: plan.Outputs, Attempts: []ledger.Attempt{a}}
	for _, c := range b.Coins {
		po.Inputs = append(po.Inputs, ledger.OutPoint{Txid: c.OutPoint.Hash.String(), Vout: c.OutPoint.Index})
	}
	if err := p.l.Commit(po); err != nil {
		return nil, err
	}
	p.log.Info("payout recorded", "payout", po.ID, "txid", a.Txid, "state", st, "outputs", len(po.Outputs),
		"sat", po.Total(), "fee", a.Fee, "vsize", a.VSize)
	return po, nil
}

// Import takes back the signed PSBT of the open payout's built attempt,
// checks it is that transaction (same txid, so the same inputs and
// outputs) with valid signatures, records it signed and sends it.
func (p *Payer) Import(ctx context.Context, b []byte) (*ledger.Payout, error) {
	tx, err := bitcoin.ImportPSBT(b)
	if err != nil {
		return nil, err
	}
	if err := p.scan(ctx, nil); err != nil {
		return nil, err
	}
	po, err := p.l.Open()
	if err != nil {
		return nil, err
	}
	txid := tx.TxHash().String()
	if po == nil {
		return nil, fmt.Errorf("%w: no payout is waiting for a signature (txid %s)", bitcoin.ErrBadPSBT, txid)
	}
	var a *ledger.Attempt
	for i := range po.Attempts {
		if po.Attempts[i].Txid == txid && po.Attempts[i].State == ledger.Built {
			a = &po.Attempts[i]
		}
	}
	if a == nil {
		return nil, fmt.Errorf("%w: txid %s is not the unsigned attempt of payout %d", bitcoin.ErrBadPSBT, txid, po.ID)
	}
	built, err := p.rebuild(po, a)
	if err != nil {
		return nil, err
	}
	if err := bitcoin.Verify(p.key, tx, built.Coins); err != nil {
		return nil, err
	}
	a.Tx, a.PSBT, a.State = serialize(tx), nil, ledger.Signed
	if po.State == ledger.Built {
		po.State = ledger.Signed
	}
	if err := p.l.Update(po); err != nil {
		return nil, err
	}
	crashPoint("signed")
	if err := p.send(po, a); err != nil {
		return po, err
	}
	return po, nil
}

// Bump replaces the open payout's transaction by one paying feeRate out
// of its change (same inputs, same outputs: whichever confirms pays each
// node once). With psbt set it returns the new attempt unsigned for an
// offline signer instead of signing and sending it.
func (p *Payer) Bump(ctx context.Context, feeRate int64, psbt bool) (*ledger.Payout, []byte, error) {
	if err := p.Sync(ctx); err != nil {
		return nil, nil, err
	}
	po, err := p.l.Open()
	if err != nil {
		return nil, nil, err
	}
	if po == nil {
		return nil, nil, errors.New("no payout is waiting to confirm")
	}
	last := po.Last()
	built, err := p.rebuild(po, last)
	if err != nil {
		return nil, nil, err
	}
	nb, err := bitcoin.Bump(p.key, built, feeRate)
	if err != nil {
		return nil, nil, err
	}
	a := ledger.Attempt{Txid: nb.Tx.TxHash().String(), FeeRate: uint64(feeRate), Fee: uint64(nb.Fee), VSize: nb.VSize, Change: uint64(nb.Change)}
	var out []byte
	if psbt {
		if out, err = bitcoin.ExportPSBT(p.key, nb); err != nil {
			return nil, nil, err
		}
		a.State, a.PSBT = ledger.Built, out
	} else {
		if err := bitcoin.Sign(p.key, nb); err != nil {
			return nil, nil, err
		}
		a.State, a.Tx = ledger.Signed, serialize(nb.Tx)
	}
	po.Attempts = append(po.Attempts, a)
	if err := p.l.Update(po); err != nil {
		return nil, nil, err
	}
	if psbt {
		return po, out, nil
	}
	crashPoint("signed")
	return po, nil, p.send(po, po.Last())
}

// rebuild recovers the unsigned transaction and coins of attempt a.
func (p *Payer) rebuild(po *ledger.Payout, a *ledger.Attempt) (*bitcoin.Built, error) {
	var tx *wire.MsgTx
	switch {
	case len(a.Tx) > 0:
		tx = new(wire.MsgTx)
		if err := tx.Deserialize(bytes.NewReader(a.Tx)); err != nil {
			return nil, err
		}
	case len(a.PSBT) > 0:
		var err error
		if tx, err = bitcoin.UnsignedTx(a.PSBT); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("payout %d: attempt %s has no transaction", po.ID, a.Txid)
	}
	utxos, err := p.l.UTXOs()
	if err != nil {
		return nil, err
	}
	val := map[ledger.OutPoint]uint64{}
	for _, u := range utxos {
		val[u.OutPoint] = u.Value
	}
	b := &bitcoin.Built{Tx: tx, Fee: int64(a.Fee), VSize: a.VSize, Change: int64(a.Change)}
	for _, in := range po.Inputs {
		v, ok := val[in]
		if !ok {
			return nil, fmt.Errorf("payout %d: input %s:%d is spent: the payout has confirmed or been replaced outside the ledger", po.ID, in.Txid, in.Vout)
		}
		op, err := outPoint(in)
		if err != nil {
			return nil, err
		}
		b.Coins = append(b.Coins, bitcoin.Coin{OutPoint: op, Value: int64(v)})
	}
	return b, nil
}

func serialize(tx *wire.MsgTx) []byte {
	var buf bytes.Buffer
	_ = tx.Serialize(&buf)
	return buf.Bytes()
}
