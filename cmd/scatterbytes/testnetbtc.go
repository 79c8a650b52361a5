package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/internal/harness/btcnode"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// PayoutsFile is where `testnet up --btc` keeps the ledger's payouts and
// balances for `testnet payouts`: the running process holds the ledger's
// lock, so another process cannot open it.
const payoutsFile = "payouts.json"

// payoutsView is the content of payoutsFile.
type payoutsView struct {
	Updated  time.Time        `json:"updated"`
	Payouts  []payoutView     `json:"payouts"`
	Balances []ledger.Balance `json:"balances"`
}

type payoutView struct {
	ID      uint64          `json:"id"`
	State   ledger.State    `json:"state"`
	Txid    string          `json:"txid"`
	Height  int32           `json:"height,omitempty"`
	Fee     uint64          `json:"fee"`
	VSize   int64           `json:"vsize"`
	FeeRate uint64          `json:"fee_rate"`
	Outputs []ledger.Output `json:"outputs"`
}

// printBitcoin prints where btcd listens and how to watch payouts.
func printBitcoin(out io.Writer, net *testnet.Network, dir string) {
	b := net.Bitcoin()
	cfg := b.Config
	fmt.Fprintf(out, "bitcoin:    btcd %s regtest, RPC http://%s (user %s, password in %s; --txindex --addrindex)\n",
		btcnode.Version, b.Node.RPCHost, b.Node.User, filepath.Join(b.Node.Dir, btcnode.PassFile))
	fmt.Fprintf(out, "coordinator pays from %s (%d blocks mined to it); a block every %v\n",
		b.Key.Address(), testnet.FundingBlocks, b.BlockEvery)
	fmt.Fprintf(out, "payouts:    every %v to each node with %d sat or more (%d sat/vB); pay rate %d msat per GiB-hour, nodes get 75%%\n",
		cfg.Interval, cfg.Threshold, cfg.FeeRate, net.Profile.PayRateMsat)
	for _, p := range net.Nodes() {
		fmt.Fprintf(out, "  node %d %s paid to %s (key %s)\n", p.Index, p.ID, p.Payout, filepath.Join(p.Dir, testnet.PayoutKeyFile))
	}
	fmt.Fprintf(out, "watch the payouts (each is printed here too as it is sent and confirmed):\n"+
		"  scatterbytes testnet payouts --testnet-dir %s              # payouts, txids, each node's balance\n"+
		"  scatterbytes coordinator nodes --dir %s   # earned msat, proofs\n"+
		"  curl -s --user %s:$(cat %s) -d '{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"searchrawtransactions\",\"params\":[\"ADDRESS\"]}' http://%s/\n"+
		"                                           # what ADDRESS received, from the chain\n",
		dir, filepath.Join(dir, "coordinator"), b.Node.User, filepath.Join(b.Node.Dir, btcnode.PassFile), b.Node.RPCHost)
}

// watchPayouts prints each payout as it is sent and confirmed and keeps
// DIR/payouts.json current, until ctx ends.
func watchPayouts(ctx context.Context, out io.Writer, b *testnet.Bitcoin, dir string) {
	seen := map[uint64]ledger.State{}
	var last []byte
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if v, err := snapshot(b.Ledger); err == nil {
			for _, po := range v.Payouts {
				if seen[po.ID] == po.State {
					continue
				}
				seen[po.ID] = po.State
				var total uint64
				for _, o := range po.Outputs {
					total += o.Sat
				}
				switch po.State {
				case ledger.Confirmed:
					fmt.Fprintf(out, "payout %d confirmed in block %d: txid %s\n", po.ID, po.Height, po.Txid)
				default:
					fmt.Fprintf(out, "payout %d %s: %d nodes, %d sat, fee %d sat (%d vB at %d sat/vB), txid %s\n",
						po.ID, po.State, len(po.Outputs), total, po.Fee, po.VSize, po.FeeRate, po.Txid)
				}
			}
			body, _ := json.Marshal(v.Payouts)
			bals, _ := json.Marshal(v.Balances)
			body = append(body, bals...)
			if !bytes.Equal(body, last) {
				last = body
				v.Updated = time.Now().UTC()
				js, _ := json.MarshalIndent(v, "", "  ")
				_ = atomicfile.Write(filepath.Join(dir, payoutsFile), append(js, '\n'), 0o644)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func snapshot(l *ledger.Ledger) (*payoutsView, error) {
	pos, err := l.Payouts()
	if err != nil {
		return nil, err
	}
	bals, err := l.Balances()
	if err != nil {
		return nil, err
	}
	v := &payoutsView{Balances: bals}
	for _, po := range pos {
		a := po.Last()
		txid := po.Txid
		if txid == "" {
			txid = a.Txid
		}
		v.Payouts = append(v.Payouts, payoutView{ID: po.ID, State: po.State, Txid: txid, Height: po.Height,
			Fee: a.Fee, VSize: a.VSize, FeeRate: a.FeeRate, Outputs: po.Outputs})
	}
	return v, nil
}

func testnetPayoutsCmd() *cobra.Command {
	var (
		dir    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "payouts",
		Short: "Show the payouts and balances of a `testnet up --btc` network",
		Long: `payouts shows what the coordinator of a running ` + "`testnet up --btc`" + ` has paid:
each payout (state, txid, block, fee) and each node's balance (earned,
committed to payouts, paid in confirmed ones). The running network holds the
ledger's lock, so it keeps this view in TESTNET-DIR/payouts.json, updated
within a second of a change; --json prints that file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(filepath.Join(dir, payoutsFile))
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no payouts in %s: is `scatterbytes testnet up --btc --testnet-dir %s` running?", dir, dir)
			} else if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				_, err := out.Write(b)
				return err
			}
			var v payoutsView
			if err := json.Unmarshal(b, &v); err != nil {
				return fmt.Errorf("%s: %w", filepath.Join(dir, payoutsFile), err)
			}
			printPayoutsView(out, &v)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "testnet-dir", ".testnet", "the directory of the running testnet")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printPayoutsView(out io.Writer, v *payoutsView) {
	fmt.Fprintf(out, "as of %s\n", v.Updated.Format(time.RFC3339))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PAYOUT\tSTATE\tBLOCK\tNODES\tSAT\tFEE\tVSIZE\tTXID")
	for _, po := range v.Payouts {
		var total uint64
		for _, o := range po.Outputs {
			total += o.Sat
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", po.ID, po.State, po.Height, len(po.Outputs), total, po.Fee, po.VSize, po.Txid)
	}
	tw.Flush()
	bals := append([]ledger.Balance(nil), v.Balances...)
	sort.Slice(bals, func(i, j int) bool { return bals[i].Node < bals[j].Node })
	fmt.Fprintln(tw, "\nNODE\tADDRESS\tEARNED MSAT\tCOMMITTED SAT\tPAID SAT")
	for _, b := range bals {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", b.Node, b.Payout, b.EarnedMsat, b.CommittedSat, b.PaidSat)
	}
	tw.Flush()
}

// pidFile is where `testnet up` keeps its process ID for `testnet down`.
const pidFile = "testnet.pid"

func testnetDownCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the `testnet up` running from --testnet-dir (and its btcd)",
		Long: `down sends SIGTERM to the ` + "`testnet up`" + ` running from --testnet-dir (its process
ID is in TESTNET-DIR/testnet.pid) and waits until it has stopped every node
and, with --btc, btcd.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(filepath.Join(dir, pidFile))
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no testnet is running from %s (no %s)", dir, pidFile)
			} else if err != nil {
				return err
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 1 {
				return fmt.Errorf("%s: not a process ID", filepath.Join(dir, pidFile))
			}
			// The ID may have been reused since: signal only a scatterbytes testnet.
			if cl, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && !bytes.Contains(cl, []byte("testnet")) {
				return fmt.Errorf("process %d is not a testnet (stale %s)", pid, filepath.Join(dir, pidFile))
			}
			if err := syscall.Kill(pid, syscall.SIGTERM); errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("no testnet is running from %s (process %d is gone)", dir, pid)
			} else if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			err = wait.For(ctx, func() error {
				if syscall.Kill(pid, 0) == nil {
					return fmt.Errorf("testnet (process %d) still stopping", pid)
				}
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "testnet %s stopped\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "testnet-dir", ".testnet", "the directory of the running testnet")
	return cmd
}
