package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/btcsuite/btcd/rpcclient"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/bitcoin"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// ledgerDir is the coordinator's ledger inside its directory.
func ledgerDir() string { return filepath.Join(g.dir, "ledger") }

// btcFlags are the Bitcoin node and payout settings (each also read from
// SCATTERBYTES_<FLAG>).
type btcFlags struct {
	rpc, user, passFile, cookie, tlsCert string
	cfg                                  payments.Config
}

func (f *btcFlags) add(fs *pflag.FlagSet) {
	d := payments.DefaultConfig()
	f.cfg = d
	fs.StringVar(&f.rpc, "btc-rpc", "127.0.0.1:8332", "Bitcoin node JSON-RPC host:port (bitcoind: rpcbind/rpcport; btcd: rpclisten)")
	fs.StringVar(&f.user, "btc-rpc-user", "", "JSON-RPC user (bitcoind: rpcuser or an rpcauth entry)")
	fs.StringVar(&f.passFile, "btc-rpc-pass-file", "", "FILE holding the JSON-RPC password")
	fs.StringVar(&f.cookie, "btc-rpc-cookie", "", "bitcoind's .cookie FILE, instead of a user and password")
	fs.StringVar(&f.tlsCert, "btc-rpc-tls-cert", "", "btcd's rpc.cert to speak TLS (default: plain HTTP, as bitcoind speaks; keep it on loopback)")
	fs.Int64Var(&f.cfg.FeeRate, "fee-rate", d.FeeRate, "payout fee rate in sat/vB (no estimation: set it from the mempool, bump a stuck payout)")
	fs.Int64Var(&f.cfg.Threshold, "threshold", d.Threshold, "smallest balance paid, in sat; smaller ones carry over")
	fs.Int64Var(&f.cfg.MaxFeeShare, "max-fee-share", d.MaxFeeShare, "largest share of an output its fee may take, in percent; else it carries over")
	fs.Int32Var(&f.cfg.MinConf, "btc-min-conf", d.MinConf, "confirmations before a block is taken into the ledger")
	fs.Int32Var(&f.cfg.Birth, "btc-birth", d.Birth, "first block height to scan for the coordinator's outputs")
	fs.DurationVar(&f.cfg.Interval, "payout-interval", d.Interval, "how often scheduled payouts run")
}

// payEnv is an open ledger, key and Bitcoin node.
type payEnv struct {
	prof  *profile.Profile
	l     *ledger.Ledger
	key   bitcoin.Key
	rpc   *rpcclient.Client
	payer *payments.Payer
}

func (e *payEnv) Close() {
	if e.rpc != nil {
		e.rpc.Shutdown()
	}
	if e.l != nil {
		e.l.Close()
	}
}

// openLedger opens the coordinator's ledger at the profile's terms.
func openLedger() (*profile.Profile, *ledger.Ledger, error) {
	file := g.network
	if file == "" {
		file = coordinatorProfile()
	}
	prof, err := profile.Load(file)
	if err != nil {
		return nil, nil, err
	}
	l, err := ledger.Open(ledgerDir(), ledger.Terms{PriceMsat: prof.PayRateMsat,
		Epoch: time.Duration(prof.Epoch), NodeShare: ledger.DefaultNodeShare})
	if err != nil {
		return nil, nil, fmt.Errorf("%w (is `coordinator run` or another payout using it?)", err)
	}
	return prof, l, nil
}

func (f *btcFlags) open() (*payEnv, error) {
	prof, l, err := openLedger()
	if err != nil {
		return nil, err
	}
	e := &payEnv{prof: prof, l: l}
	if e.key, err = bitcoin.LoadOrCreateKey(filepath.Join(g.dir, bitcoin.KeyFile), prof.BitcoinParams()); err != nil {
		e.Close()
		return nil, err
	}
	cc := &rpcclient.ConnConfig{Host: f.rpc, User: f.user, HTTPPostMode: true, DisableTLS: f.tlsCert == "", CookiePath: f.cookie}
	if f.passFile == "" && f.cookie == "" {
		e.Close()
		return nil, usageError{errors.New("the Bitcoin node's RPC needs --btc-rpc-pass-file (with --btc-rpc-user) or --btc-rpc-cookie")}
	}
	if f.passFile != "" {
		b, err := os.ReadFile(f.passFile)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("--btc-rpc-pass-file: %w", err)
		}
		cc.Pass = strings.TrimSpace(string(b))
	}
	if f.tlsCert != "" {
		if cc.Certificates, err = os.ReadFile(f.tlsCert); err != nil {
			e.Close()
			return nil, fmt.Errorf("--btc-rpc-tls-cert: %w", err)
		}
	}
	if e.rpc, err = rpcclient.New(cc, nil); err != nil {
		e.Close()
		return nil, fmt.Errorf("bitcoin node %s: %w", f.rpc, err)
	}
	if e.payer, err = payments.New(l, e.rpc, e.key, f.cfg, logger()); err != nil {
		e.Close()
		return nil, usageError{err}
	}
	return e, nil
}

func coordinatorPayoutCmd() *cobra.Command {
	var (
		bf      btcFlags
		dryRun  bool
		psbtOut string
	)
	cmd := &cobra.Command{
		Use:   "payout",
		Short: "Pay every node whose balance clears the threshold, in one Bitcoin transaction",
		Long: `payout brings the ledger up to date with the Bitcoin node (the coordinator's
outputs, a payout that confirmed), then pays every node whose balance clears
--threshold (and whose output's fee stays under --max-fee-share of it) in one
transaction to the segwit addresses they enrolled with, change back to the
coordinator's address (DIR/bitcoin.key; fund it first: ` + "`coordinator payout address`" + `).
The payout is recorded with its signed transaction before it is sent; a payout
cut short is finished by the next run. While a payout waits to confirm no new
one is made: run payout again after a block, or bump its fee.

With --psbt-out FILE the transaction is written unsigned (BIP 174, base64) for
an offline signer, and ` + "`coordinator payout import FILE`" + ` takes it back.

The Bitcoin node is any bitcoind or btcd with JSON-RPC: for bitcoind set
server=1, rpcuser and rpcpassword (or rpcauth; or pass its .cookie with
--btc-rpc-cookie), and rpcbind/rpcallowip to the coordinator's host; no
wallet, txindex or other index is needed. For
btcd pass --btc-rpc-tls-cert with its rpc.cert, or run it with --notls on
loopback.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := bf.open()
			if err != nil {
				return err
			}
			defer e.Close()
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if err := syncWithProgress(ctx, cmd.ErrOrStderr(), e.payer); err != nil {
				return err
			}
			if open, err := e.l.Open(); err != nil {
				return err
			} else if open != nil {
				fmt.Fprintf(out, "payout %d is %s (txid %s): waiting for it to confirm; bump its fee with `coordinator payout bump`\n",
					open.ID, open.State, open.Last().Txid)
				return nil
			}
			switch {
			case dryRun:
				plan, err := e.payer.Plan(ctx)
				if errors.Is(err, payments.ErrNothingToPay) {
					fmt.Fprintf(out, "nothing to pay: %d balances carry over\n", plan.Skipped)
					return nil
				} else if err != nil {
					return err
				}
				printPlan(out, plan)
				return nil
			case psbtOut != "":
				po, b64, err := e.payer.Export(ctx)
				if err != nil {
					return nothing(out, err)
				}
				if err := atomicfile.Write(psbtOut, b64, 0o600); err != nil {
					return err
				}
				fmt.Fprintf(out, "payout %d built: %d outputs, %d sat, fee %d sat, txid %s\nunsigned PSBT in %s: sign it, then `scatterbytes coordinator payout import FILE`\n",
					po.ID, len(po.Outputs), po.Total(), po.Last().Fee, po.Last().Txid, psbtOut)
				return nil
			}
			po, err := e.payer.Pay(ctx)
			if err != nil {
				return nothing(out, err)
			}
			printPayout(out, po)
			return nil
		},
	}
	bf.add(cmd.PersistentFlags())
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show who would be paid and the fee; record and send nothing")
	cmd.Flags().StringVar(&psbtOut, "psbt-out", "", "write the payout as an unsigned PSBT to FILE for an offline signer instead of signing it")
	cmd.AddCommand(payoutImportCmd(&bf), payoutBumpCmd(&bf), payoutAddressCmd(&bf), payoutCancelCmd())
	return cmd
}

// nothing turns ErrNothingToPay into a line of output.
func nothing(out io.Writer, err error) error {
	if errors.Is(err, payments.ErrNothingToPay) {
		fmt.Fprintln(out, "nothing to pay: no balance clears the threshold")
		return nil
	}
	return err
}

func printPlan(out io.Writer, plan *payments.Plan) {
	var total uint64
	for _, o := range plan.Outputs {
		fmt.Fprintf(out, "%s  %s  %d sat\n", o.Node, o.Address, o.Sat)
		total += o.Sat
	}
	fmt.Fprintf(out, "would pay %d nodes %d sat; fee %d sat (%d vB); %d balances carry over\n",
		len(plan.Outputs), total, plan.Built.Fee, plan.Built.VSize, plan.Skipped)
}

func printPayout(out io.Writer, po *ledger.Payout) {
	a := po.Last()
	fmt.Fprintf(out, "payout %d %s: %d nodes, %d sat, fee %d sat (%d vB at %d sat/vB), txid %s\n",
		po.ID, po.State, len(po.Outputs), po.Total(), a.Fee, a.VSize, a.FeeRate, a.Txid)
}

func payoutImportCmd(bf *btcFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Take back a payout's PSBT signed offline, and send it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			b, err := io.ReadAll(io.LimitReader(f, bitcoin.MaxPSBT+1))
			f.Close()
			if err != nil {
				return err
			}
			e, err := bf.open()
			if err != nil {
				return err
			}
			defer e.Close()
			po, err := e.payer.Import(cmd.Context(), b)
			if err != nil {
				return err
			}
			printPayout(cmd.OutOrStdout(), po)
			return nil
		},
	}
}

func payoutBumpCmd(bf *btcFlags) *cobra.Command {
	var psbtOut string
	cmd := &cobra.Command{
		Use:   "bump",
		Short: "Replace the payout waiting to confirm by one with a higher fee (RBF)",
		Long: `bump replaces the open payout's transaction by one spending the same coins to
the same outputs with a higher fee taken from its change, so whichever
confirms pays each node once. --fee-rate is the new rate; the fee rises by at
least 1 sat/vB of the transaction's size, as replacement rules ask.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := bf.open()
			if err != nil {
				return err
			}
			defer e.Close()
			po, b64, err := e.payer.Bump(cmd.Context(), bf.cfg.FeeRate, psbtOut != "")
			if err != nil {
				return err
			}
			if psbtOut != "" {
				if err := atomicfile.Write(psbtOut, b64, 0o600); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "replacement of payout %d in %s: sign it, then `coordinator payout import`\n", po.ID, psbtOut)
				return nil
			}
			printPayout(cmd.OutOrStdout(), po)
			return nil
		},
	}
	cmd.Flags().StringVar(&psbtOut, "psbt-out", "", "write the replacement unsigned to FILE for an offline signer")
	return cmd
}

func payoutAddressCmd(bf *btcFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "address",
		Short: "Print the coordinator's Bitcoin address (payouts are paid from it; fund it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			prof, l, err := openLedger()
			if err != nil {
				return err
			}
			l.Close()
			k, err := bitcoin.LoadOrCreateKey(filepath.Join(g.dir, bitcoin.KeyFile), prof.BitcoinParams())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k.Address())
			return nil
		},
	}
}

func payoutCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Give up a payout whose PSBT was never signed; its amounts return to the balances",
		Long: `cancel gives up a payout exported with --psbt-out that was never imported,
and returns its amounts to the balances. Only do it when the PSBT is lost or
destroyed unsigned: a cancelled PSBT signed and broadcast later would pay its
nodes a second time, and the ledger would not know. A payout with a signed
transaction cannot be cancelled; bump it instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return usageError{fmt.Errorf("payout ID %q is not a number", args[0])}
			}
			_, l, err := openLedger()
			if err != nil {
				return err
			}
			defer l.Close()
			if err := l.Cancel(id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "payout %d cancelled: its amounts are back in the balances\n", id)
			return nil
		},
	}
}

// syncWithProgress syncs the ledger with the Bitcoin node, showing the
// blocks scanned on a terminal.
func syncWithProgress(ctx context.Context, w io.Writer, p *payments.Payer) error {
	var bar *progress
	defer func() { bar.Done() }()
	return p.SyncProgress(ctx, func(done, total int) {
		if bar == nil {
			bar = newCountProgress(w, int64(total), "scanning blocks", "blocks")
		}
		bar.Set(int64(done))
	})
}
