package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client/catalog"
)

func rmCmd() *cobra.Command {
	var volume string
	cmd := &cobra.Command{
		Use:   "rm NAME...",
		Short: "Delete files from the nodes that hold them and from the catalog",
		Long: `rm deletes each NAME in --volume: its shards and manifest from the storage
nodes holding them, which frees their space, and then its catalog entry.
Shards on nodes that cannot be reached now expire with their storage orders.
A reference shared earlier stops working once the shards are gone.`,
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
				if err := c.Remove(ctx, volume, name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s/%s\n", volume, name)
			}
			return nil
		},
	}
	volumeFlag(cmd, &volume)
	addClientFlags(cmd)
	return cmd
}
