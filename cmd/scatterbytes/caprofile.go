package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

func caProfileCmd() *cobra.Command {
	var (
		pf          profileFlags
		bootstrap   []string
		coordinator string
		out         string
	)
	cmd := &cobra.Command{
		Use:   "profile --bootstrap ADDR [--bootstrap ADDR...]",
		Short: "Write the network profile of this CA's network",
		Long: `profile writes the network profile that nodes and clients join with
(` + "`--network FILE`" + `): the CA certificate from --ca-dir, the bootstrap peers given
with --bootstrap (each a /p2p/ address as ` + "`scatterbytes id --addrs`" + ` prints it on
the bootstrap node, or a /dnsaddr/ name) and the network's settings. The
network name defaults to the CA's. A network whose coordinator runs the CA
gets its profile from ` + "`coordinator run`" + ` instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ca, err := cert.LoadCA(caPath())
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("name") {
				// cert.NewCA names it "ScatterBytes <network> CA".
				cn := ca.Certificate().Subject.CommonName
				pf.name = strings.TrimSuffix(strings.TrimPrefix(cn, "ScatterBytes "), " CA")
			}
			prof := pf.profile()
			prof.CA = string(ca.CertPEM())
			prof.Bootstrap = bootstrap
			if coordinator != "" {
				if _, err := peer.Decode(coordinator); err != nil {
					return usageError{fmt.Errorf("--coordinator %q is not a peer ID", coordinator)}
				}
				prof.Coordinator = coordinator
			}
			if len(bootstrap) == 0 {
				return usageError{fmt.Errorf("no --bootstrap address: nodes need at least one peer to join through")}
			}
			if err := prof.Validate(); err != nil {
				// Not wrapped: ErrBadProfile tells the user to check
				// --network, and this profile comes from the flags.
				return usageError{fmt.Errorf("%v", err)}
			}
			if out != "" {
				if err := prof.Save(out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "profile of network %q with %d bootstrap peers in %s\n", prof.Name, len(bootstrap), out)
				return nil
			}
			b, err := json.MarshalIndent(prof, "", "  ")
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(b, '\n'))
			return err
		},
	}
	f := cmd.Flags()
	pf.register(f)
	f.StringSliceVar(&bootstrap, "bootstrap", nil, "a bootstrap peer's /p2p/ address or /dnsaddr/ name (repeat or separate with commas)")
	f.StringVar(&coordinator, "coordinator", "", "peer ID of the network's coordinator, if it has one")
	f.StringVarP(&out, "out", "o", "", "write the profile to FILE instead of standard output")
	return cmd
}
