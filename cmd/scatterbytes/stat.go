package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/manifest"
)

func statCmd() *cobra.Command {
	var (
		volume       string
		showManifest bool
	)
	cmd := &cobra.Command{
		Use:   "stat NAME",
		Short: "Show a file's catalog entry, and with --manifest where its shards are",
		Long: `stat shows the catalog entry of NAME in --volume: size, redundancy, when it
was stored and the manifest's CID. That needs only the local catalog.
With --manifest it also fetches the file's manifest from the network and
lists its stripes, their shards and the nodes holding each.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var (
				c   *client.Client
				cat *catalog.Catalog
				err error
			)
			if showManifest {
				if c, err = openReader(ctx); err != nil {
					return err
				}
				defer c.Close()
				cat = c.Catalog()
			} else {
				if cat, err = openCatalog(); err != nil {
					return err
				}
				defer cat.Close()
			}
			e, err := lookup(ctx, cat, volume, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			field(out, "name", "%s/%s", e.Volume, e.Name)
			field(out, "size", "%s (%d bytes)", sizeString(e.Size), e.Size)
			field(out, "redundancy", "%s", e.Redundancy)
			field(out, "created", "%s", createdString(e))
			field(out, "manifest", "%s", e.Ref.Manifest)
			if !showManifest {
				return nil
			}
			return printManifest(ctx, out, c, e.Ref)
		},
	}
	volumeFlag(cmd, &volume)
	cmd.Flags().BoolVar(&showManifest, "manifest", false, "also fetch the manifest and list stripes, shards and holders")
	addClientFlags(cmd)
	return cmd
}

// printManifest fetches the manifest behind ref and prints its layout.
func printManifest(ctx context.Context, w io.Writer, c *client.Client, ref manifest.Ref) error {
	f, err := c.Open(ctx, ref)
	if err != nil {
		return err
	}
	defer f.Close()
	m := f.Manifest()
	field(w, "stored as", "%s", m.Name)
	field(w, "sealed", "%s (segments of %s)", sizeString(m.CipherSize), sizeString(int64(m.SegmentSize)))
	if m.Inline() {
		field(w, "stripes", "none: the file is in its manifest (%d+%d asked for)", m.K, m.M)
		return nil
	}
	field(w, "stripes", "%d of %d+%d shards, shards up to %s", len(m.Stripes), m.K, m.M, sizeString(m.ShardSize))
	for i, st := range m.Stripes {
		fmt.Fprintf(w, "stripe %d\n", i)
		for j, s := range st.Shards {
			kind := "data"
			if j >= m.K {
				kind = "parity"
			}
			fmt.Fprintf(w, "  %2d %-6s %s  on %s\n", j, kind, s.ID, holders(s.Holders))
		}
	}
	return nil
}

// field prints one aligned "label: value" line.
func field(w io.Writer, label, format string, args ...any) {
	fmt.Fprintf(w, "%-12s%s\n", label+":", fmt.Sprintf(format, args...))
}

func holders(hs [][]byte) string {
	if len(hs) == 0 {
		return "(no holder recorded)"
	}
	ids := make([]string, len(hs))
	for i, h := range hs {
		if p, err := peer.IDFromBytes(h); err == nil {
			ids[i] = p.String()
		} else {
			ids[i] = fmt.Sprintf("(bad peer ID %x)", h)
		}
	}
	return strings.Join(ids, ", ")
}
