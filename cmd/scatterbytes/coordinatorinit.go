package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

func coordinatorInitCmd() *cobra.Command {
	var (
		pf   profileFlags
		open bool
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a coordinator: its identity key, the network CA and a network profile",
		Long: `init creates the directory given by --dir with the coordinator's identity
key (mode 0600), a new network CA in DIR/ca (key mode 0600; none with --open)
and DIR/network.json, the network's profile naming this coordinator and its
CA. ` + "`coordinator run`" + ` adds its address to the profile's bootstrap list.
It never replaces an existing CA or profile.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			prof := pf.profile()
			prof.Open = open
			path := coordinatorProfile()
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s exists already; init never replaces a network profile", path)
			}
			if open {
				if err := coordinator.InitOpen(g.dir); err != nil {
					return err
				}
			} else {
				if err := coordinator.Init(g.dir, pf.name); err != nil {
					return err
				}
				ca, err := coordinator.LoadCA(g.dir)
				if err != nil {
					return err
				}
				prof.CA = string(ca.CertPEM())
			}
			k, err := identity.Load(filepath.Join(g.dir, node.KeyFile))
			if err != nil {
				return err
			}
			prof.Coordinator = k.PeerID().String()
			if err := prof.Validate(); err != nil {
				return usageError{err}
			}
			if err := prof.Save(path); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "peer ID:  %s\n", k.PeerID())
			if !open {
				fmt.Fprintf(out, "CA:       %s (keep a backup of this directory: losing it cuts every member off)\n", filepath.Join(g.dir, coordinator.CADir))
			}
			fmt.Fprintf(out, "profile:  %s\nnext: scatterbytes --dir %s coordinator run\n", path, g.dir)
			return nil
		},
	}
	f := cmd.Flags()
	pf.register(f)
	f.BoolVar(&open, "open", false, "an open network: no CA, every party signs its own certificate")
	return cmd
}
