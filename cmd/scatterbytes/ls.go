package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
)

func lsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ls [VOLUME]",
		Short: "List the files in the catalog",
		Long: `ls lists the files of VOLUME, or of every volume, grouped, when none is
given: size, redundancy, when it was stored, and name. An upload that
stopped before it was stored (interrupted, or the nodes ran out of space)
is listed as unfinished, with how much of it was stored: run the same put
again to resume it, or remove it with rm --unfinished to free its shards.
ls reads only the local catalog and works offline.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cat, err := openCatalog()
			if err != nil {
				return err
			}
			defer cat.Close()
			ups, err := client.ListUnfinished(ctx, cat)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			listed := 0
			if len(args) == 1 {
				es, err := cat.List(ctx, args[0])
				if err != nil {
					return err
				}
				listed, err = printVolume(out, es, ups, args[0])
				if err != nil {
					return err
				}
			} else {
				vols, err := cat.Volumes(ctx)
				if err != nil {
					return err
				}
				for _, u := range ups {
					if u.Name != "" {
						vols = append(vols, u.Volume)
					}
				}
				slices.Sort(vols)
				for i, v := range slices.Compact(vols) {
					es, err := cat.List(ctx, v)
					if errors.Is(err, catalog.ErrInvalid) {
						// Only an unfinished upload (of an older version)
						// names a volume no entry can have.
						es, err = nil, nil
					}
					if err != nil {
						return err
					}
					if i > 0 {
						fmt.Fprintln(out)
					}
					fmt.Fprintf(out, "%s:\n", v)
					n, err := printVolume(out, es, ups, v)
					if err != nil {
						return err
					}
					listed += n
				}
			}
			if listed > 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "scatterbytes: an unfinished upload resumes when the same put runs again; `scatterbytes rm --unfinished NAME` frees what it stored")
			}
			return nil
		},
	}
	addClientFlags(cmd)
	return cmd
}

// printVolume prints the entries es and then the unfinished uploads of
// volume among ups, and returns how many of those it printed.
func printVolume(w io.Writer, es []catalog.Entry, ups []client.Unfinished, volume string) (int, error) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	writeEntries(tw, es, false)
	n := 0
	for _, u := range ups {
		if u.Volume == volume && u.Name != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t  %s\n", sizeString(u.Size), u.Redundancy, unfinishedString(u), u.Name)
			n++
		}
	}
	return n, tw.Flush()
}

// printEntries prints one aligned line per entry; withVolume writes the
// name as "volume/name".
func printEntries(w io.Writer, es []catalog.Entry, withVolume bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	writeEntries(tw, es, withVolume)
	return tw.Flush()
}

func writeEntries(tw io.Writer, es []catalog.Entry, withVolume bool) {
	for _, e := range es {
		name := e.Name
		if withVolume {
			name = e.Volume + "/" + e.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t  %s\n", sizeString(e.Size), e.Redundancy, createdString(e), name)
	}
}

func createdString(e catalog.Entry) string {
	if e.Created.IsZero() {
		return "-"
	}
	return e.Created.Local().Format("2006-01-02 15:04")
}

// unfinishedString says how much of an unfinished upload was stored.
func unfinishedString(u client.Unfinished) string {
	if u.Stripes == 0 {
		return "unfinished"
	}
	return fmt.Sprintf("unfinished %d%%", u.Done*100/u.Stripes)
}
