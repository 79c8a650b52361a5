package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/dash"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

func nodeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Run a storage node"}
	cmd.AddCommand(nodeRunCmd(), nodeExitCmd(), nodeScrubCmd(), nodeStatusCmd(), nodeEarningsCmd())
	return cmd
}

func nodeRunCmd() *cobra.Command {
	var (
		lf       listenFlags
		payout   string
		capacity int64
		dashAddr string
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a storage node until interrupted",
		Long: `run starts a storage node from --dir on the network given by --network.
Without a certificate it enrols with the network's coordinator first.
SIGINT or SIGTERM stop it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			limitNodeMemory()
			if capacity <= 0 {
				return usageError{fmt.Errorf("--capacity %d: give the disk space in bytes the node may fill, more than 0 (e.g. --capacity %d for 10 GiB)", capacity, int64(10<<30))}
			}
			prof, cfg, err := lf.nodeConfig()
			if err != nil {
				return err
			}
			log := cfg.Logger
			dashAddr = dashboardAddr(log, dashAddr, cmd.Flags().Changed("dashboard"))
			k, err := identity.Load(filepath.Join(g.dir, node.KeyFile))
			if err != nil {
				return err
			}
			scfg := storage.Config{Capacity: capacity, Logger: log, Dashboard: dashAddr}
			sn, err := storage.New(ctx, cfg, scfg)
			if errors.Is(err, node.ErrNoCert) || errors.Is(err, cert.ErrExpired) {
				log.Info("enrolling with the network coordinator", "peer", k.PeerID())
				if eerr := enrolRetrying(ctx, log, prof, k, payout); eerr != nil {
					return fmt.Errorf("%w; enrolment failed too: %w", err, eerr)
				}
				sn, err = storage.New(ctx, cfg, scfg)
			}
			if err != nil {
				return err
			}
			n := sn.Node()
			warnMissing(log, cfg.Listen, n.Host().Network().ListenAddresses())
			fmt.Fprintf(cmd.OutOrStdout(), "node %s on network %q\n", n.ID(), prof.Name)
			printAddrs(cmd.OutOrStdout(), log, g.dir, n.AddrInfo())
			printDashboard(cmd.OutOrStdout(), sn.Storage().Dashboard())
			err = sn.Run(ctx)
			log.Info("node stopped")
			return err
		},
	}
	f := cmd.Flags()
	lf.register(f, 4001)
	f.StringVar(&payout, "payout", "", "Bitcoin address for earnings, used when enrolling")
	f.Int64Var(&capacity, "capacity", 10<<30, "disk space in bytes the node may fill with chunks (a hard limit)")
	f.StringVar(&dashAddr, "dashboard", dash.DefaultAddr, `address of the dashboard, its JSON API and /metrics ("" turns it off); any but 127.0.0.1, ::1 or localhost needs the token kept in DIR/`+dash.TokenFile)
	return cmd
}

// enrolRetrying enrols the node in --dir, retrying with back-off (and
// saying so) while the coordinator cannot be reached: a node started
// before its network, or while the coordinator restarts, waits for it.
// A refusal ends it at once.
func enrolRetrying(ctx context.Context, log *slog.Logger, prof *profile.Profile, k identity.Key, payout string) error {
	backoff := time.Second
	for {
		_, err := node.Enroll(ctx, g.dir, prof, k, cert.RoleNode, payout)
		if err == nil || !errors.Is(err, node.ErrCoordinatorUnreachable) {
			return err
		}
		log.Warn(fmt.Sprintf("%v; retrying in %s", err, backoff))
		if !wait.Sleep(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// nodeConfig loads the network profile and makes the config of the node
// in --dir, listening where l says (a fixed port another process holds
// is refused) and logging as --log-level says.
func (l *listenFlags) nodeConfig() (*profile.Profile, node.Config, error) {
	prof, err := loadProfile()
	if err != nil {
		return nil, node.Config{}, err
	}
	if err := l.checkFree(); err != nil {
		return nil, node.Config{}, err
	}
	cfg := node.DefaultConfig(g.dir, prof)
	cfg.Logger = logger()
	cfg.Listen = l.addrs()
	cfg.Announce = l.announce
	return prof, cfg, nil
}

// nodeMemoryLimit is the Go runtime's soft memory limit for a storage
// node, which must stay under 150 MiB resident (issue 20) whatever it
// holds. Left to GOGC alone the heap grows to twice what is live: a node
// holding 100,000 chunks had 46 MiB live (its inventory snapshot, index
// buffers) and 141 MiB resident, peaking at 171 while a snapshot was
// built. With the binary's mapped code (about 30 MiB) and stacks outside
// the limit, 96 MiB keeps it under the bound while the live heap fits,
// and costs nothing while it is small. Past it the collector works
// harder instead; GOMEMLIMIT in the environment overrides it.
const nodeMemoryLimit = 96 << 20

func limitNodeMemory() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(nodeMemoryLimit)
	}
}
