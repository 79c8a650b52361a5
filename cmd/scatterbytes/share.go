package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func shareCmd() *cobra.Command {
	var volume string
	cmd := &cobra.Command{
		Use:   "share NAME",
		Short: "Print a file's reference, the capability to read it",
		Long: `share prints the reference of NAME in --volume on standard output. Whoever
holds the reference can fetch and decrypt the file with
` + "`scatterbytes get REF OUT`" + `, from any client; no one else can. Send it as
you would the file itself. It reads only the local catalog and works offline.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := openCatalog()
			if err != nil {
				return err
			}
			defer cat.Close()
			e, err := lookup(cmd.Context(), cat, volume, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), e.Ref.Encode())
			return nil
		},
	}
	volumeFlag(cmd, &volume)
	addClientFlags(cmd)
	return cmd
}
