package procnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
)

// BitcoinConfig runs btcd on regtest beside the network: the coordinator
// is funded and pays the nodes on a schedule, each node to the address of
// its own key (DIR/nodeNN/payout.key).
type BitcoinConfig struct {
	// Btcd is the btcd binary; "" builds the module's (package btcnode).
	Btcd string
	// PayoutInterval is how often the coordinator pays (default 30 s).
	PayoutInterval time.Duration
	// BlockEvery is how often a block is mined (default 5 s).
	BlockEvery time.Duration
}

// Pay defaults. DefaultPayRateMsat is 1 BTC per GiB-hour: a node
// holding 1 MiB earns 20 sat a second (75% of the rate), so it clears
// the 1000 sat payout threshold within a minute.
const (
	DefaultPayRateMsat = 100_000_000_000
	payThreshold       = 1000
	payFeeRate         = 2
	// FundingBlocks are mined to the coordinator before it starts: segwit
	// activates on regtest at 432 and 400 coinbases are then mature.
	FundingBlocks = 500
	// PayoutKeyFile is each node's regtest key (WIF, 0600).
	PayoutKeyFile = "payout.key"
)

var regtest = &chaincfg.RegressionNetParams

// btc is the running btcd and its miner.
type btc struct {
	cfg     BitcoinConfig
	node    *btcnode.Node
	key     bitcoin.Key
	started time.Time
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// startBitcoin starts btcd in DIR/btcd mining to the coordinator's key
// (made in coordDir, as `coordinator payout` keeps it), funds it and
// starts the miner.
func (n *Net) startBitcoin(ctx context.Context, coordDir string) (*btc, error) {
	cfg := *n.cfg.Bitcoin
	if cfg.PayoutInterval == 0 {
		cfg.PayoutInterval = 30 * time.Second
	}
	if cfg.BlockEvery == 0 {
		cfg.BlockEvery = 5 * time.Second
	}
	key, err := bitcoin.LoadOrCreateKey(filepath.Join(coordDir, bitcoin.KeyFile), regtest)
	if err != nil {
		return nil, err
	}
	bdir := filepath.Join(n.dir, "btcd")
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return nil, err
	}
	t0 := time.Now()
	bn, err := btcnode.StartWith(ctx, bdir, btcnode.Options{MiningAddr: key.Address().String(), Index: true, Binary: cfg.Btcd})
	if err != nil {
		return nil, err
	}
	b := &btc{cfg: cfg, node: bn, key: key, started: t0, done: make(chan struct{})}
	n.mu.Lock()
	n.btc = b
	n.mu.Unlock()
	if err := bn.Mine(FundingBlocks); err != nil {
		return nil, fmt.Errorf("fund the coordinator: %w", err)
	}
	mctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go b.mine(mctx)
	return b, n.save()
}

// coordinatorArgs are `coordinator run`'s flags to pay through b.
func (b *btc) coordinatorArgs() []string {
	return []string{"--pay", "--btc-rpc", b.node.RPCHost, "--btc-rpc-user", b.node.User,
		"--btc-rpc-pass-file", filepath.Join(b.node.Dir, btcnode.PassFile),
		"--payout-interval", b.cfg.PayoutInterval.String(), "--threshold", strconv.Itoa(payThreshold),
		"--fee-rate", strconv.Itoa(payFeeRate), "--btc-min-conf", "1"}
}

// mine mines a block every BlockEvery until ctx ends: regtest has no
// miner, and payouts confirm only in blocks.
func (b *btc) mine(ctx context.Context) {
	defer close(b.done)
	t := time.NewTicker(b.cfg.BlockEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = b.node.Mine(1) // a block missed is mined at the next tick
		}
	}
}

func (b *btc) record() Proc {
	return Proc{Role: RoleBtcd, Name: "btcd", PID: b.node.Pid(), Dir: b.node.Dir,
		Log: filepath.Join(b.node.Dir, "btcd.out"), Addrs: []string{"http://" + b.node.RPCHost}, Started: b.started.UTC()}
}

func (b *btc) state() *BtcState {
	return &BtcState{RPC: b.node.RPCHost, User: b.node.User, PassFile: filepath.Join(b.node.Dir, btcnode.PassFile),
		Funding: b.key.Address().String()}
}

// close stops the miner and btcd.
func (b *btc) close() {
	b.once.Do(func() {
		b.cancel()
		<-b.done
		_ = b.node.Stop()
	})
}

// newPayoutAddress makes (or loads) the payout key in a node's directory
// and returns its address.
func newPayoutAddress(dir string) (string, error) {
	k, err := bitcoin.LoadOrCreateKey(filepath.Join(dir, PayoutKeyFile), regtest)
	if err != nil {
		return "", err
	}
	return k.Address().String(), nil
}

// Chain returns btcd's RPC client, nil without Bitcoin.
func (n *Net) Chain() *btcnode.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.btc == nil {
		return nil
	}
	return n.btc.node
}
