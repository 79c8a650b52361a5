package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
)

func rmCmd() *cobra.Command {
	var volume string
	var unfinished bool
	cmd := &cobra.Command{
		Use:   "rm NAME...",
		Short: "Delete files from the nodes that hold them and from the catalog",
		Long: `rm deletes each NAME in --volume: its shards and manifest from the storage
nodes holding them, which frees their space, and then its catalog entry.
Shards on nodes that cannot be reached now expire with their storage orders.
A reference shared earlier stops working once the shards are gone.

A NAME with no stored file but an unfinished upload (see ls) has that
upload removed: the shards it stored are deleted. --unfinished removes
only unfinished uploads, leaving a stored file of the same name alone.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := openClient(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			if volume == "" {
				volume = catalog.DefaultVolume
			}
			for _, name := range args {
				if err := remove(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), c, volume, name, unfinished); err != nil {
					return err
				}
			}
			return nil
		},
	}
	volumeFlag(cmd, &volume)
	cmd.Flags().BoolVar(&unfinished, "unfinished", false, "remove only the unfinished uploads of NAME (see ls), not a stored file")
	addClientFlags(cmd)
	return cmd
}

// remove removes volume/name, or only its unfinished uploads, and says
// what it removed on out; a file removed while an unfinished upload of the
// same name stays is noted on errw.
func remove(ctx context.Context, out, errw io.Writer, c *client.Client, volume, name string, onlyUnfinished bool) error {
	ups, err := c.Unfinished(ctx)
	if err != nil {
		return err
	}
	ups = slices.DeleteFunc(ups, func(u client.Unfinished) bool { return u.Volume != volume || u.Name != name })
	if !onlyUnfinished {
		err := c.Remove(ctx, volume, name)
		if err == nil {
			fmt.Fprintf(out, "removed %s/%s\n", volume, name)
			if len(ups) > 0 {
				fmt.Fprintf(errw, "scatterbytes: an unfinished upload of %s/%s remains: `scatterbytes rm %s` frees it\n",
					volume, name, unfinishedArgs(volume, name))
			}
			return nil
		}
		if !errors.Is(err, client.ErrNotFound) || len(ups) == 0 {
			return err
		}
	}
	if len(ups) == 0 {
		return fmt.Errorf("%w of %s/%s", errNoUnfinished, volume, name)
	}
	for _, u := range ups {
		if err := c.RemoveUnfinished(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "removed unfinished upload %s/%s\n", volume, name)
	}
	return nil
}

// unfinishedArgs are the arguments of rm --unfinished after "rm" for
// volume/name, quoted for a shell where they need it.
func unfinishedArgs(volume, name string) string {
	if volume == catalog.DefaultVolume {
		return "--unfinished " + shellQuote(name)
	}
	return "--unfinished --volume " + shellQuote(volume) + " " + shellQuote(name)
}

// shellQuote is s as one shell word.
func shellQuote(s string) string {
	safe := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-+,:@%/=", r))
	}) < 0
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
