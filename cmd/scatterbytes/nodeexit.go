package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// errNodeRunning means the node in --dir runs: its chunk store is locked.
var errNodeRunning = errors.New("the node is running")

// errExitTooFewNodes means an exit found too few other storage nodes to
// hand a chunk to.
var errExitTooFewNodes = errors.New("too few storage nodes to hand the chunks to")

func nodeExitCmd() *cobra.Command {
	var (
		lf           listenFlags
		rate         int
		deleteChunks bool
	)
	cmd := &cobra.Command{
		Use:   "exit",
		Short: "Hand every chunk to other nodes, wait until they prove them, then leave",
		Long: `exit starts the stopped node in --dir and leaves the network gracefully: it
sends each chunk it holds to another storage node that holds no part of
the chunk's stripe, then waits until every new holder has proved an epoch
that began after its copy landed (the coordinator recorded the proof).
Meanwhile the node serves and proves as usual, so nothing it holds is ever
unavailable, and takes no new chunks. It exits 0 only once every chunk is
proven elsewhere; interrupted or failed, run it again: it re-does only
what is not handed over yet.

The node must not be running: exit runs it itself. Its earnings stay in
the coordinator's ledger and are paid at the next payouts, as before
(` + "`scatterbytes node earnings`" + ` shows them; keep the node's key). The node
directory stays as it is; --delete-chunks deletes the chunk store
(DIR/chunks) once everything is handed over.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkNodeDir(g.dir); err != nil {
				return err
			}
			prof, cfg, err := lf.nodeConfig()
			if err != nil {
				return err
			}
			// The exit takes no chunks: the store needs no limit.
			sn, err := storage.New(cmd.Context(), cfg, storage.Config{Capacity: math.MaxInt64, Logger: cfg.Logger, RepairRate: rate})
			if errors.Is(err, disk.ErrLocked) {
				return nodeRunning(g.dir, err)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "node %s leaving network %q: handing its chunks over while it serves and proves\n", sn.Node().ID(), prof.Name)
			rep, err := runExit(cmd, sn)
			if err != nil {
				return err
			}
			printExit(out, rep)
			chunks := filepath.Join(g.dir, storage.ChunksDir)
			if deleteChunks {
				if err := os.RemoveAll(chunks); err != nil {
					return fmt.Errorf("every chunk is handed over, but deleting %s failed: %w", chunks, err)
				}
				fmt.Fprintf(out, "deleted %s; %s stays: its key shows the node's earnings (`scatterbytes node earnings`) until they are paid\n", chunks, g.dir)
			} else {
				fmt.Fprintf(out, "the node has left; nothing was deleted: %s is no longer needed (delete it, or pass --delete-chunks); keep %s's key: it shows the node's earnings (`scatterbytes node earnings`) until they are paid\n", chunks, g.dir)
			}
			return nil
		},
	}
	f := cmd.Flags()
	lf.register(f, 4001)
	f.IntVar(&rate, "rate", storage.DefaultRepairRate, "bytes per second the node sends at most (with any repairs it makes meanwhile)")
	f.BoolVar(&deleteChunks, "delete-chunks", false, "delete the chunk store (DIR/chunks) once every chunk is proven elsewhere")
	return cmd
}

// checkNodeDir refuses a --dir that is not a stopped storage node's.
func checkNodeDir(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no node directory %s (pass --dir)", dir)
	} else if err != nil {
		return err
	}
	chunks := filepath.Join(dir, storage.ChunksDir)
	if _, err := os.Stat(filepath.Join(chunks, "index")); err != nil {
		return fmt.Errorf("no chunk store in %s: this is not a storage node's directory, or the node never ran (and holds nothing)", dir)
	}
	if err := disk.InUse(chunks); err != nil {
		return nodeRunning(dir, err)
	}
	return nil
}

// nodeRunning says that the node in dir runs; err (the lock's) goes to
// the debug log.
func nodeRunning(dir string, err error) error {
	logger().Debug("chunk store locked", "err", err)
	return fmt.Errorf("%w in %s (its chunk store is locked): stop it first; `scatterbytes node exit` runs the node itself until every chunk is handed over", errNodeRunning, dir)
}

// runExit runs the node and its exit together, and stops the node once
// the exit ends.
func runExit(cmd *cobra.Command, sn *storage.Node) (storage.ExitReport, error) {
	g, ctx := errgroup.WithContext(cmd.Context())
	nodeCtx, stopNode := context.WithCancel(ctx)
	defer stopNode()
	bars := &exitBars{w: cmd.ErrOrStderr()}
	var rep storage.ExitReport
	var exitErr error
	g.Go(func() error { return sn.Run(nodeCtx) })
	g.Go(func() error {
		defer stopNode()
		rep, exitErr = sn.Storage().Exit(ctx, storage.ExitOptions{Progress: bars.update})
		bars.done()
		return nil
	})
	runErr := g.Wait()
	switch {
	case cmd.Context().Err() != nil:
		return rep, fmt.Errorf("%w: run `scatterbytes node exit` again to go on where it stopped", errInterrupted)
	case runErr != nil:
		return rep, fmt.Errorf("the node stopped during its exit: %w", runErr)
	case errors.Is(exitErr, shard.ErrNotEnoughNodes):
		return rep, fmt.Errorf("%w: %w", errExitTooFewNodes, exitErr)
	}
	return rep, exitErr
}

// exitBars shows an exit's progress on a terminal: the bytes sent, then
// the chunks whose new holder has proved them.
type exitBars struct {
	w           io.Writer
	send, prove *progress
}

func (b *exitBars) update(p storage.ExitProgress) {
	if p.ToProve == 0 { // sending
		b.prove.Done()
		b.prove = nil
		if b.send == nil {
			b.send = newCountProgress(b.w, int64(p.Held), fmt.Sprintf("round %d: handing over", p.Round), "chunks")
		}
		b.send.Set(int64(p.Checked))
		return
	}
	b.send.Done()
	b.send = nil
	if b.prove == nil {
		b.prove = newCountProgress(b.w, int64(p.ToProve), fmt.Sprintf("proofs after epoch %d", p.After), "chunks")
	}
	b.prove.Set(int64(p.Proven))
}

func (b *exitBars) done() {
	b.send.Done()
	b.prove.Done()
}

// printExit says what was handed over and to whom.
func printExit(w io.Writer, rep storage.ExitReport) {
	type holder struct {
		chunks int
		bytes  int64
	}
	by := map[peer.ID]*holder{}
	for _, h := range rep.Handovers {
		if by[h.To] == nil {
			by[h.To] = &holder{}
		}
		by[h.To].chunks++
		by[h.To].bytes += h.Size
	}
	to := make([]peer.ID, 0, len(by))
	for p := range by {
		to = append(to, p)
	}
	sort.Slice(to, func(i, j int) bool { return to[i] < to[j] })
	if rep.Held == 0 {
		fmt.Fprintln(w, "the node held no chunk under a live order: nothing to hand over")
	} else {
		fmt.Fprintf(w, "handed over %s (%s) to %s, each proven there after epoch %d:\n",
			count(rep.Held, "chunk"), sizeString(rep.HeldBytes), count(len(to), "node"), rep.Epoch)
		for _, p := range to {
			fmt.Fprintf(w, "  %s  %s (%s)\n", p, count(by[p].chunks, "chunk"), sizeString(by[p].bytes))
		}
		fmt.Fprintf(w, "sent %s (%s); %d held elsewhere already\n", count(rep.Sent, "chunk"), sizeString(rep.SentBytes), rep.Found)
	}
	if rep.Left > 0 {
		fmt.Fprintf(w, "left behind: %s under no live order (expired: nobody pays for them)\n", count(rep.Left, "chunk"))
	}
}

// count is "1 chunk", "2 chunks".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
