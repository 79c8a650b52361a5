package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// decodeStatement decodes a STATEMENT answer's body (at most
// standing.MaxStatement bytes, which the message decoder enforced).
func decodeStatement(b []byte) (*ledger.Statement, error) {
	if len(b) > standing.MaxStatement {
		return nil, fmt.Errorf("the statement is over %d bytes", standing.MaxStatement)
	}
	var st ledger.Statement
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("the coordinator's statement: %w", err)
	}
	if st.Node == "" {
		return nil, fmt.Errorf("the coordinator's statement names no node")
	}
	// Every part of a node's statement is the node's own: a balance or a
	// credit of another node (or of none) is a statement gone wrong.
	if st.Balance.Node != st.Node {
		return nil, fmt.Errorf("the coordinator's statement for %s holds the balance of %q", st.Node, st.Balance.Node)
	}
	for _, c := range st.Credits {
		if c.Node != st.Node {
			return nil, fmt.Errorf("the coordinator's statement for %s holds a credit of %q (epoch %d)", st.Node, c.Node, c.Epoch)
		}
	}
	return &st, nil
}

// earnings is what `node earnings --json` prints.
type earnings struct {
	Statement *ledger.Statement `json:"statement"`
	// CreditsOmitted counts the oldest credits the coordinator left out
	// to keep its answer within the protocol's limit.
	CreditsOmitted uint64 `json:"credits_omitted,omitempty"`
}

func nodeEarningsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "earnings",
		Short: "Show this node's earnings: every millisatoshi traced to its epochs and to the txid that paid it",
		Long: `earnings asks the network's coordinator, as the node in --dir, for the node's
ledger statement: one credit per epoch proven (proven bytes, availability,
the node's share), each with the payouts that paid it (oldest credits are
paid first), then the payouts and the balance. Only the node itself may
ask. The node need not be running. --json prints the same for programs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, resp, err := askCoordinator(cmd.Context(), standing.Request{Op: standing.OpStatement})
			if err != nil {
				return err
			}
			st, err := decodeStatement(resp.Statement)
			if err != nil {
				return err
			}
			e := earnings{Statement: st, CreditsOmitted: resp.CreditsOmitted}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(e)
			}
			printEarnings(cmd.OutOrStdout(), e)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printEarnings(w io.Writer, e earnings) {
	st := e.Statement
	fmt.Fprintf(w, "node %s  payout address %s\n", st.Node, orNone(st.Balance.Payout))
	if e.CreditsOmitted > 0 {
		fmt.Fprintf(w, "(%d older credits left out; the balance counts them)\n", e.CreditsOmitted)
	}
	fmt.Fprintf(w, "%-10s %16s %8s %14s  %s\n", "epoch", "proven bytes", "avail", "earned msat", "paid by")
	for _, c := range st.Credits {
		paid := ""
		for _, p := range c.Paid {
			paid += fmt.Sprintf("%d msat in %s (%s) ", p.Msat, p.Txid, p.State)
		}
		if c.UnpaidMsat > 0 {
			paid += fmt.Sprintf("%d msat unpaid", c.UnpaidMsat)
		}
		fmt.Fprintf(w, "%-10d %16d %7.2f%% %14d  %s\n", c.Epoch, c.ProvenBytes, float64(c.Availability)/1e4, c.NodeMsat, strings.TrimSpace(paid))
	}
	for _, p := range st.Payouts {
		fmt.Fprintf(w, "payout %d: %d sat to %s, %s, txid %s\n", p.Payout, p.Sat, p.Address, p.State, p.Txid)
	}
	b := st.Balance
	fmt.Fprintf(w, "earned %d msat; paid %d sat; in open payouts %d sat; balance %d sat\n",
		b.EarnedMsat, b.PaidSat, b.CommittedSat-b.PaidSat, b.AvailableSat())
}
