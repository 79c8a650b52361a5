package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client/catalog"
)

func lsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ls [VOLUME]",
		Short: "List the files in the catalog",
		Long: `ls lists the files of VOLUME, or of every volume, grouped, when none is
given: size, redundancy, when it was stored, and name. It reads only the local
catalog and works offline.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cat, err := openCatalog()
			if err != nil {
				return err
			}
			defer cat.Close()
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				es, err := cat.List(ctx, args[0])
				if err != nil {
					return err
				}
				return printEntries(out, es, false)
			}
			vols, err := cat.Volumes(ctx)
			if err != nil {
				return err
			}
			for i, v := range vols {
				es, err := cat.List(ctx, v)
				if err != nil {
					return err
				}
				if i > 0 {
					fmt.Fprintln(out)
				}
				fmt.Fprintf(out, "%s:\n", v)
				if err := printEntries(out, es, false); err != nil {
					return err
				}
			}
			return nil
		},
	}
	addClientFlags(cmd)
	return cmd
}

// printEntries prints one aligned line per entry; withVolume writes the
// name as "volume/name".
func printEntries(w io.Writer, es []catalog.Entry, withVolume bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, e := range es {
		name := e.Name
		if withVolume {
			name = e.Volume + "/" + e.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t  %s\n", sizeString(e.Size), e.Redundancy, createdString(e), name)
	}
	return tw.Flush()
}

func createdString(e catalog.Entry) string {
	if e.Created.IsZero() {
		return "-"
	}
	return e.Created.Local().Format("2006-01-02 15:04")
}
