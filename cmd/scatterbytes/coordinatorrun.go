package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/dash"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

func coordinatorRunCmd() *cobra.Command {
	var (
		lf                    listenFlags
		profileOut            string
		validity, crlValidity time.Duration
		autoEnrol             bool
		api                   string
		dashAddr              string
		pay                   bool
		bf                    btcFlags
		suspendAfter          int
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the coordinator until interrupted",
		Long: `run starts the coordinator from --dir (made by ` + "`coordinator init`" + `) on the
network given by --network, by default DIR/network.json. It serves enrolment
and the CRL and is a bootstrap peer; every epoch it publishes a beacon,
verifies the storage nodes' proofs, spot-checks a few nodes, keeps their
standing and credits what they proved in DIR/ledger. With --pay it also pays
them in Bitcoin on a schedule (see ` + "`coordinator payout --help`" + ` for the Bitcoin node
settings). Its read-only JSON API listens on --api (` + "`coordinator nodes`" + `). It writes the network profile with its
peer ID and address in the bootstrap list to --profile-out (by default back
to DIR/network.json when --network is not given): the file to hand to nodes
and clients. SIGINT or SIGTERM stop it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			file := g.network
			if file == "" {
				file = coordinatorProfile()
				if profileOut == "" {
					profileOut = file
				}
			}
			prof, err := profile.Load(file)
			if err != nil {
				return err
			}
			if err := lf.checkFree(); err != nil {
				return err
			}
			log := logger()
			cfg := coordinator.DefaultConfig(g.dir, prof)
			cfg.Node.Logger = log
			cfg.Node.Listen = lf.addrs()
			cfg.Node.Announce = lf.announce
			cfg.Validity, cfg.CRLValidity = validity, crlValidity
			if !autoEnrol {
				cfg.Approve = nil
			}
			cfg.API = api
			if suspendAfter > 0 {
				cfg.Reputation.SuspendAfter(suspendAfter)
			} else if suspendAfter < 0 {
				return usageError{fmt.Errorf("--suspend-after %d: want 1 or more epochs", suspendAfter)}
			}
			cfg.Dashboard = dashboardAddr(log, dashAddr, cmd.Flags().Changed("dashboard"))
			if pay {
				env, err := bf.open()
				if err != nil {
					return err
				}
				defer env.Close()
				cfg.Ledger, cfg.Payer = env.l, env.payer
			}
			c, err := coordinator.New(ctx, cfg)
			if err != nil {
				return err
			}
			warnMissing(log, cfg.Node.Listen, c.Node().Host().Network().ListenAddresses())
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "coordinator %s on network %q\n", c.ID(), prof.Name)
			printAddrs(out, log, g.dir, c.Node().AddrInfo())
			printDashboard(out, c.Dashboard())
			if profileOut != "" {
				if err := c.Profile().Save(profileOut); err != nil {
					c.Close()
					return err
				}
				fmt.Fprintf(out, "profile: %s\n", profileOut)
			}
			err = c.Run(ctx)
			log.Info("coordinator stopped")
			return err
		},
	}
	f := cmd.Flags()
	lf.register(f, 4000)
	f.BoolVar(&pay, "pay", false, "pay nodes in Bitcoin every --payout-interval through the Bitcoin node at --btc-rpc")
	bf.add(f)
	f.StringVar(&api, "api", "127.0.0.1:0", "loopback address of the read-only JSON API (written to DIR/api.addr; empty: none)")
	f.StringVar(&dashAddr, "dashboard", coordinatorDashboard, `address of the dashboard, its JSON API and /metrics ("" turns it off); any but 127.0.0.1, ::1 or localhost needs the token kept in DIR/`+dash.TokenFile)
	f.StringVar(&profileOut, "profile-out", "", "write the network profile with this coordinator's address to FILE (default DIR/network.json without --network)")
	f.DurationVar(&validity, "validity", cert.DefaultValidity, "lifetime of the certificates enrolment issues")
	f.DurationVar(&crlValidity, "crl-validity", cert.DefaultCRLUpdate, "how long a published CRL stays current")
	f.IntVar(&suspendAfter, "suspend-after", 0, "missed epochs in a row after which a node is suspended and its shards repaired (default 10; a testnet may want 2)")
	f.BoolVar(&autoEnrol, "auto-enrol", true, "admit every storage node and client that asks; false refuses all (sign with `scatterbytes ca sign --ca-dir DIR/ca` instead)")
	return cmd
}
