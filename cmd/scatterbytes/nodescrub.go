package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

func nodeScrubCmd() *cobra.Command {
	var rate int64
	cmd := &cobra.Command{
		Use:   "scrub",
		Short: "Check every chunk of a stopped node's store now",
		Long: `scrub re-hashes every chunk in the store of the node in --dir, as the
running node does at start and every 24 hours. It first deletes the
chunks quarantined until now (freeing their space), then quarantines
every chunk whose bytes no longer match its ID; those are deleted by the
next scrub. The node must be stopped: a running node holds the store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := filepath.Join(g.dir, storage.ChunksDir)
			if _, err := os.Stat(filepath.Join(dir, "index")); err != nil {
				return fmt.Errorf("no chunk store in %s (is --dir a storage node's directory?)", g.dir)
			}
			cfg := disk.DefaultConfig(math.MaxInt64) // the scrub needs no limit
			cfg.ScrubRate, cfg.Logger = rate, logger()
			st, err := disk.Open(cmd.Context(), dir, cfg)
			if errors.Is(err, disk.ErrLocked) {
				return fmt.Errorf("the chunk store in %s is in use by a running node: stop it first (it scrubs by itself every 24 hours)", g.dir)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			return scrub(cmd, st)
		},
	}
	cmd.Flags().Int64Var(&rate, "rate", 0, "bytes re-hashed per second at most; 0: as fast as the disk allows")
	return cmd
}

// scrub runs one pass over st with a progress bar and prints what it found.
func scrub(cmd *cobra.Command, st *disk.Store) error {
	u, err := st.Usage(cmd.Context())
	if err != nil {
		return err
	}
	bar := newProgress(cmd.ErrOrStderr(), u.Bytes, "scrubbing")
	res, err := st.ScrubProgress(cmd.Context(), func(s disk.ScrubStats) { bar.Set(s.Bytes) })
	bar.Done()
	if err != nil {
		if cmd.Context().Err() != nil {
			return errInterrupted
		}
		return fmt.Errorf("scrub: %w", err)
	}
	if u, err = st.Usage(cmd.Context()); err != nil {
		return err
	}
	printScrub(cmd.OutOrStdout(), res, u.Quarantined)
	return nil
}

func printScrub(w io.Writer, s disk.ScrubStats, quarantined int64) {
	fmt.Fprintf(w, "checked:     %d chunks (%s)\n", s.Chunks, sizeString(s.Bytes))
	fmt.Fprintf(w, "corrupt:     %d\n", s.Corrupt)
	fmt.Fprintf(w, "quarantined: %d (the next scrub deletes them)\n", quarantined)
	fmt.Fprintf(w, "freed:       %s (%d bytes, %d quarantined chunks deleted)\n", sizeString(s.Freed), s.Freed, s.Purged)
}
