package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/harness/procnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

func testnetStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every process of the testnet: PID, alive or dead, peer, stored bytes, standing, earnings",
		Long: `status reads the testnet's state file (TESTNET-DIR/testnet.json), checks each
process by its PID, reads each node's status file for what it stores and asks
the coordinator's JSON API for each node's standing, audit score and earnings
(msat credited for proven storage). --json prints the state file with each
process's liveness and each node's standing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := procnet.ReadState(testnetDir)
			if err != nil {
				return err
			}
			if asJSON {
				return printStatusJSON(cmd.OutOrStdout(), st)
			}
			printStatus(cmd.OutOrStdout(), st, testnetDir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// statusView is what `testnet status --json` prints.
type statusView struct {
	*procnet.State
	SupervisorAlive bool                   `json:"supervisor_alive"`
	Alive           map[string]bool        `json:"alive"`     // by process name
	Standings       []coordinator.NodeView `json:"standings"` // the coordinator's, if it answers
}

func printStatusJSON(w io.Writer, st *procnet.State) error {
	v := statusView{State: st, SupervisorAlive: st.SupervisorAlive(), Alive: map[string]bool{}}
	for _, p := range st.Procs {
		v.Alive[p.Name] = p.Alive()
	}
	v.Standings, _ = procnet.StandingsOf(st.Dir)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printStatus(w io.Writer, st *procnet.State, dir string) {
	switch {
	case st.SupervisorAlive() && st.Stopped.IsZero():
		fmt.Fprintf(w, "testnet %s: supervisor pid %d up since %s (epoch %s, %s)\n", dir, st.Supervisor, st.Started.Local().Format("15:04:05"), st.Epoch, st.Redundancy)
	case !st.Stopped.IsZero():
		fmt.Fprintf(w, "testnet %s: stopped at %s\n", dir, st.Stopped.Local().Format("15:04:05"))
	default:
		fmt.Fprintf(w, "testnet %s: its supervisor (pid %d) is gone\n", dir, st.Supervisor)
	}
	views := map[string]coordinator.NodeView{}
	vs, err := procnet.StandingsOf(st.Dir)
	if err != nil && st.Stopped.IsZero() {
		fmt.Fprintf(w, "standings: %v\n", err)
	}
	for _, v := range vs {
		views[v.Peer] = v
	}
	paid := chainPaid(st)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	head := "NAME\tPID\tPROCESS\tPEER\tSTORED\tSTANDING\tAUDIT\tEARNED"
	if paid != nil {
		head += "\tPAID"
	}
	fmt.Fprintln(tw, head)
	for _, p := range st.Procs {
		alive := "alive"
		if !p.Alive() {
			alive = "dead"
			if p.Exit != "" {
				alive = "dead (" + p.Exit + ")"
			} else if p.Stopped {
				alive = "stopped"
			}
		}
		stored, standing, audit, earned := "-", "-", "-", "-"
		if p.Role == procnet.RoleNode {
			if s, err := storage.ReadStatus(p.Dir); err == nil {
				stored = sizeString(int64(s.Bytes))
			}
			if v, ok := views[p.Peer]; ok {
				standing, audit, earned = v.State.String(), fmt.Sprintf("%.4f", v.AuditScore), fmt.Sprintf("%d msat", v.EarnedMsat)
			}
		}
		line := fmt.Sprintf("%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s", p.Name, p.PID, alive, orDash(p.Peer), stored, standing, audit, earned)
		if paid != nil && p.Role == procnet.RoleNode {
			line += fmt.Sprintf("\t%d sat", paid[p.Name])
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	for _, p := range st.Procs {
		if p.Dashboard != "" && p.Alive() {
			fmt.Fprintf(w, "dashboard of %s: %s\n", p.Name, p.Dashboard)
			break
		}
	}
}

func testnetAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add",
		Short: "Start one more storage node process in the running testnet",
		Long: `add asks the running ` + "`testnet up`" + ` (through its control socket,
TESTNET-DIR/control.sock) to start one more node, its child like the others,
and returns once the coordinator has the new node's first proof.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t0 := time.Now()
			p, err := procnet.RequestAdd(cmd.Context(), testnetDir)
			if err != nil {
				return err
			}
			abs, _ := filepath.Abs(testnetDir)
			fmt.Fprintf(cmd.OutOrStdout(), "added %s (pid %d, peer %s) in %v; log %s\n",
				p.Name, p.PID, p.Peer, time.Since(t0).Round(time.Millisecond), shown(testnetDir, abs, p.Log))
			return nil
		},
	}
}

func testnetKillCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "kill NODE",
		Short: "Kill one process of the testnet with SIGKILL (NODE: node03, 3, a peer ID or a PID)",
		Long: `kill sends SIGKILL to one process of the testnet, as a crash would: it gets
no chance to stop cleanly. The running ` + "`testnet up`" + ` reports it and does not
restart it. NODE is a name from ` + "`testnet status`" + ` (node03, or just 3), a peer ID or a PID.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := procnet.ReadState(testnetDir)
			if err != nil {
				return err
			}
			p, err := st.Find(args[0])
			if err != nil {
				return usageError{err}
			}
			if err := p.Kill(); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			if err := waitGone(ctx, *p); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "killed %s (pid %d, peer %s) with SIGKILL\n", p.Name, p.PID, orDash(p.Peer))
			return nil
		},
	}
}

// waitGone waits until p's process is no more.
func waitGone(ctx context.Context, p procnet.Proc) error {
	return wait.For(ctx, func() error {
		if p.Alive() {
			return fmt.Errorf("%s (pid %d) still runs", p.Name, p.PID)
		}
		return nil
	})
}

func testnetDownCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Stop the testnet running from --testnet-dir: every process",
		Long: `down sends SIGTERM to the ` + "`testnet up`" + ` running from --testnet-dir, which stops
every node, the coordinator and btcd, and waits for it; then it checks every
process in the state file by PID and kills (SIGKILL) any still running.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := procnet.ReadState(testnetDir)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			out := cmd.OutOrStdout()
			sup := st.SupervisorAlive()
			if sup {
				if err := syscall.Kill(st.Supervisor, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
					return err
				}
				err := wait.For(ctx, func() error {
					if st.SupervisorAlive() {
						return fmt.Errorf("the testnet (pid %d) is still stopping", st.Supervisor)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			var killed []string
			for _, p := range st.Procs {
				if p.Alive() {
					_ = p.Kill()
					killed = append(killed, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
				}
			}
			for _, p := range st.Procs {
				if err := waitGone(ctx, p); err != nil {
					return err
				}
			}
			switch {
			case !sup && len(killed) == 0:
				fmt.Fprintf(out, "testnet %s is not running: no process of its %d left\n", testnetDir, len(st.Procs))
			case len(killed) > 0:
				fmt.Fprintf(out, "testnet %s down; killed leftover %s; no process left running\n", testnetDir, strings.Join(killed, ", "))
			default:
				fmt.Fprintf(out, "testnet %s down: the supervisor (pid %d) and its %d processes stopped; none left running\n", testnetDir, st.Supervisor, len(st.Procs))
			}
			_ = os.Remove(filepath.Join(st.Dir, procnet.ControlSocket))
			return nil
		},
	}
}

// chainPaid is what each node received in confirmed payouts, from the
// testnet's btcd; nil without --btc or when btcd does not answer.
func chainPaid(st *procnet.State) map[string]int64 {
	if st.Bitcoin == nil || !st.Stopped.IsZero() {
		return nil
	}
	rpc, err := procnet.ChainClient(st)
	if err != nil {
		return nil
	}
	defer rpc.Shutdown()
	pos, _, err := procnet.ChainPayouts(rpc, st.Procs, 0)
	if err != nil {
		return nil
	}
	paid := map[string]int64{}
	for _, po := range pos {
		for n, v := range po.Paid {
			paid[n] += v
		}
	}
	return paid
}
