package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// coordinatorTimeout bounds reaching the coordinator and its answer.
const coordinatorTimeout = 20 * time.Second

// errCoordinatorUnreachable means the coordinator could not be asked.
var errCoordinatorUnreachable = errors.New("cannot reach the network coordinator")

// askCoordinator asks the profile's coordinator one standings request as
// the party in --dir (its key and certificate), over a fresh host that
// only dials out: it may run beside the node itself.
func askCoordinator(ctx context.Context, req standing.Request) (peer.ID, *standing.Response, error) {
	prof, err := loadProfile()
	if err != nil {
		return "", nil, err
	}
	coord := prof.CoordinatorID()
	if coord == "" {
		return "", nil, fmt.Errorf("%w: the network profile names no coordinator", errCoordinatorUnreachable)
	}
	cfg := node.DefaultConfig(g.dir, prof)
	cfg.Role = cert.RoleNode
	// A storage node's certificate makes a DHT server, which must listen:
	// on loopback only, on a port of its own, beside the running node.
	cfg.Listen = node.ListenAddrs("127.0.0.1", 0)
	cfg.Logger = logger()
	cfg.RetryMin = 100 * time.Millisecond
	cfg.ProvidersOnDisk = false // the node running from g.dir holds them
	n, err := node.New(ctx, cfg)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, coordinatorTimeout)
	defer cancel()
	done := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	go func() { done <- n.Run(rctx) }()
	defer func() { stop(); <-done }()
	if req.Peer == "" && req.Op != standing.OpStandings {
		req.Peer = n.ID()
	}
	err = wait.For(ctx, func() error {
		if _, ok := n.Gate().Verified(coord); !ok {
			return fmt.Errorf("no verified connection to %s", coord)
		}
		return nil
	})
	if err != nil {
		return n.ID(), nil, fmt.Errorf("%w %s within %v", errCoordinatorUnreachable, coord, coordinatorTimeout)
	}
	resp, err := standing.Ask(ctx, n.Host(), coord, prof.Protocol("standing", "1.0.0"), req)
	if err != nil && !errors.Is(err, standing.ErrRefused) {
		err = fmt.Errorf("%w: %w", errCoordinatorUnreachable, err)
	}
	return n.ID(), resp, err
}

// nodeStandingView is the coordinator's record of a node (its NODE
// answer): the fields of coordinator.NodeView that `node status` shows.
type nodeStandingView struct {
	Peer       string  `json:"peer"`
	State      string  `json:"state"`
	AuditScore float64 `json:"audit_score"`
	Uptime     float64 `json:"uptime"`
	Audits     uint64  `json:"audits"`
	Failed     uint64  `json:"audits_failed"`
	Proven     uint64  `json:"epochs_proven"`
	Missed     uint64  `json:"epochs_missed"`
	LastEpoch  uint64  `json:"last_epoch"`
	Bytes      uint64  `json:"bytes"`
	Chunks     uint64  `json:"chunks"`
	EarnedMsat uint64  `json:"earned_msat"`
}

// decodeNodeView decodes a NODE answer's body (at most standing.MaxNode
// bytes, which the message decoder enforced).
func decodeNodeView(b []byte) (nodeStandingView, error) {
	var v nodeStandingView
	if len(b) > standing.MaxNode {
		return v, fmt.Errorf("the coordinator's record of the node is over %d bytes", standing.MaxNode)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("the coordinator's record of the node: %w", err)
	}
	return v, nil
}

// nodeStatus is what `node status --json` prints.
type nodeStatus struct {
	Local    storage.Status   `json:"local"`
	Standing nodeStandingView `json:"standing"`
	Epoch    uint64           `json:"coordinator_epoch"`
}

func nodeStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show this node's proofs and its standing with the coordinator",
		Long: `status reads the status file the running node in --dir writes every epoch
(last epoch proven, proofs published, what it committed, its last error)
and asks the network's coordinator, as this node, for its standing: state,
audit score, uptime, epochs proven and missed, earnings. The node need not
be running, but must have run once. --json prints the same for programs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			local, err := storage.ReadStatus(g.dir)
			if err != nil {
				return err
			}
			_, resp, err := askCoordinator(cmd.Context(), standing.Request{Op: standing.OpNode})
			if err != nil {
				return err
			}
			v, err := decodeNodeView(resp.Node)
			if err != nil {
				return err
			}
			st := nodeStatus{Local: local, Standing: v, Epoch: resp.Epoch}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			printNodeStatus(cmd.OutOrStdout(), st)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printNodeStatus(w io.Writer, st nodeStatus) {
	l, v := st.Local, st.Standing
	fmt.Fprintf(w, "node %s\n", l.Node)
	fmt.Fprintf(w, "proofs:   last epoch proven %d, %d published since the node started (as of %s)\n",
		l.LastEpoch, l.Proofs, l.Updated.Format(time.RFC3339))
	fmt.Fprintf(w, "commits:  %d chunks, %s\n", l.Chunks, sizeString(int64(l.Bytes)))
	if l.Reachability != "" {
		fmt.Fprintf(w, "reach:    %s\n", l.Reachability)
	}
	if l.LastError != "" {
		fmt.Fprintf(w, "error:    epoch %d: %s\n", l.LastErrorEpoch, l.LastError)
	}
	fmt.Fprintf(w, "standing: %s, audit score %.4f (%d audits, %d failed), uptime %.1f%% (%d epochs proven, %d missed; coordinator at epoch %d)\n",
		v.State, v.AuditScore, v.Audits, v.Failed, 100*v.Uptime, v.Proven, v.Missed, st.Epoch)
	fmt.Fprintf(w, "earned:   %d msat (`scatterbytes node earnings` traces them)\n", v.EarnedMsat)
}
