package testnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"

	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// BitcoinOptions run a btcd on regtest beside the network and pay the
// storage nodes from the coordinator's ledger: `scatterbytes testnet up
// --btc`. The zero value takes every default.
type BitcoinOptions struct {
	// PayRateMsat is the profile's pay_rate_msat (default
	// TestnetPayRateMsat).
	PayRateMsat uint64
	// Payments is how the coordinator pays; a zero Interval takes
	// TestnetPayments.
	Payments payments.Config
	// BlockEvery is how often a block is mined so that payouts confirm
	// (regtest has no miner): default 5 s; negative mines none (the
	// caller mines with Bitcoin.Node.Mine).
	BlockEvery time.Duration
	// Btcd is the btcd binary; "" builds the module's (package btcnode).
	Btcd string
}

// TestnetPayRateMsat is the testnet's pay rate: 1 BTC per GiB-hour proven
// (1e11 msat), of which a node gets 75%. A node holding 1 MiB (its share
// of `testnet up`'s 4 MiB check file at 4+2 on six nodes) earns 20.3 sat
// a second, so it clears TestnetPayments' 1000 sat threshold 50 s after
// its first proof and is paid by the next scheduled payout, 30 s later at
// most: regtest coins, priced so that a user watches a payout within two
// minutes.
const TestnetPayRateMsat = 100_000_000_000

// TestnetPayments is the testnet's payout schedule: a payout every 30 s
// to every node with 1000 sat or more, at 2 sat/vB (btcd relays from 1),
// blocks taken 1 deep (regtest does not reorganise).
func TestnetPayments() payments.Config {
	c := payments.DefaultConfig()
	c.Interval, c.Threshold, c.FeeRate, c.MinConf = 30*time.Second, 1000, 2, 1
	return c
}

// FundingBlocks is how many blocks are mined to the coordinator before it
// starts: segwit activates on regtest at block 432 (three BIP 9 windows of
// 144), and a coinbase can be spent 100 blocks later, so the first 400
// coinbases (50 BTC each for the first 150) are spendable at once.
const FundingBlocks = 500

// PayoutKeyFile is each storage node's Bitcoin key (WIF, 0600) in its
// directory: the key of the regtest segwit address it enrolled with, so
// its operator owns what it is paid.
const PayoutKeyFile = "payout.key"

// BtcdDir is btcd's directory inside Options.Dir.
const BtcdDir = "btcd"

// Bitcoin is the Bitcoin side of a network started with Options.Bitcoin.
type Bitcoin struct {
	Node   *btcnode.Node   // btcd on regtest
	Ledger *ledger.Ledger  // the coordinator's, opened by the harness
	Key    bitcoin.Key     // the coordinator's (Options.Dir/coordinator/bitcoin.key)
	Payer  *payments.Payer // run by the coordinator's scheduler: do not call it
	Config payments.Config
	// BlockEvery is how often a block is mined (0: never).
	BlockEvery time.Duration

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Bitcoin returns the network's Bitcoin side, nil without Options.Bitcoin.
func (net *Network) Bitcoin() *Bitcoin { return net.btc }

// Regtest is the chain a testnet pays on.
var Regtest = &chaincfg.RegressionNetParams

// startBitcoin starts btcd mining to the coordinator's key, funds it,
// opens the ledger at the profile's terms and makes the payer; the miner
// starts once the coordinator is up (mineEvery).
func (net *Network) startBitcoin(ctx context.Context, coordDir string, terms ledger.Terms) error {
	o := net.opts.Bitcoin
	cfg := o.Payments
	if cfg.Interval == 0 {
		cfg = TestnetPayments()
	}
	if err := os.MkdirAll(coordDir, 0o700); err != nil {
		return err
	}
	key, err := bitcoin.LoadOrCreateKey(filepath.Join(coordDir, bitcoin.KeyFile), Regtest)
	if err != nil {
		return err
	}
	bdir := filepath.Join(net.dir, BtcdDir)
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return err
	}
	n, err := btcnode.StartWith(ctx, bdir, btcnode.Options{MiningAddr: key.Address().String(), Index: true, Binary: o.Btcd})
	if err != nil {
		return err
	}
	b := &Bitcoin{Node: n, Key: key, Config: cfg, BlockEvery: max(o.BlockEvery, 0), done: make(chan struct{})}
	if o.BlockEvery == 0 {
		b.BlockEvery = 5 * time.Second
	}
	net.btc = b
	if err := n.Mine(FundingBlocks); err != nil {
		return fmt.Errorf("fund the coordinator: %w", err)
	}
	if b.Ledger, err = ledger.Open(filepath.Join(coordDir, "ledger"), terms); err != nil {
		return err
	}
	var log *slog.Logger
	if net.opts.Logger != nil {
		log = net.opts.Logger.With("part", "payments")
	}
	b.Payer, err = payments.New(b.Ledger, n.RPC(), key, cfg, log)
	return err
}

// mine mines a block every BlockEvery until close.
func (b *Bitcoin) mine(log *slog.Logger) {
	d := b.BlockEvery
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() {
		defer close(b.done)
		if d <= 0 {
			return
		}
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := b.Node.Mine(1); err != nil && log != nil && ctx.Err() == nil {
					log.Warn("mine a regtest block", "err", err)
				}
			}
		}
	}()
}

// close stops the miner, closes the ledger and stops btcd; the
// coordinator (its scheduler) must have stopped.
func (b *Bitcoin) close() error {
	var errs []error
	b.once.Do(func() {
		if b.cancel != nil {
			b.cancel()
			<-b.done
		}
		if b.Ledger != nil {
			errs = append(errs, b.Ledger.Close())
		}
		errs = append(errs, b.Node.Stop())
	})
	return errors.Join(errs...)
}

// newPayoutAddress makes (or loads) the payout key in a node's directory
// and returns its address.
func newPayoutAddress(dir string) (string, error) {
	k, err := bitcoin.LoadOrCreateKey(filepath.Join(dir, PayoutKeyFile), Regtest)
	if err != nil {
		return "", err
	}
	return k.Address().String(), nil
}

// Received sums what the transactions in blocks from height from to the
// tip paid each address, coinbases left out: read from the chain, not
// the ledger.
func (b *Bitcoin) Received(from int64) (map[string]int64, error) {
	rpc := b.Node.RPC()
	tip, err := rpc.GetBlockCount()
	if err != nil {
		return nil, err
	}
	got := map[string]int64{}
	for h := from; h <= tip; h++ {
		hash, err := rpc.GetBlockHash(h)
		if err != nil {
			return nil, err
		}
		blk, err := rpc.GetBlock(hash)
		if err != nil {
			return nil, err
		}
		for _, tx := range blk.Transactions[1:] {
			for _, o := range tx.TxOut {
				_, addrs, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, Regtest)
				if err == nil && len(addrs) == 1 {
					got[addrs[0].String()] += o.Value
				}
			}
		}
	}
	return got, nil
}
