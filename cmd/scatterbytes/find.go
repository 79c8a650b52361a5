package main

import (
	"errors"
	"path"
	"strings"

	"github.com/spf13/cobra"
)

func findCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "find PATTERN",
		Short: "Find files in the catalog by a shell pattern",
		Long: `find lists the catalogued files whose "volume/name" matches PATTERN, a
shell pattern as in Go's path.Match: * and ? do not cross a "/", [a-z] is a
class. A PATTERN without "/" matches names in every volume ("*.pdf" means
"*/*.pdf"). It reads only the local catalog and works offline.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pattern := args[0]
			if !strings.Contains(pattern, "/") {
				pattern = "*/" + pattern
			}
			cat, err := openCatalog()
			if err != nil {
				return err
			}
			defer cat.Close()
			es, err := cat.Find(cmd.Context(), pattern)
			if errors.Is(err, path.ErrBadPattern) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			return printEntries(cmd.OutOrStdout(), es, true)
		},
	}
	addClientFlags(cmd)
	return cmd
}
