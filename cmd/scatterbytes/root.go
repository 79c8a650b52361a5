package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// globals are the flags every command shares.
type globals struct {
	dir      string
	network  string
	logLevel string
	cpuProf  string
}

var g globals

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "scatterbytes",
		Short:         "Store data on a network of peers that no one else can read",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd); err != nil {
				return err
			}
			return startCPUProfile(cmd)
		},
	}
	home, _ := os.UserHomeDir()
	pf := root.PersistentFlags()
	pf.StringVar(&g.dir, "dir", filepath.Join(home, ".scatterbytes"), "directory holding this party's key, certificate and data")
	pf.StringVar(&g.network, "network", "", "network profile FILE to join (default: the public network)")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&g.cpuProf, "cpu-profile", "", "write a CPU profile of this process into DIR (for developers)")
	pf.MarkHidden("cpu-profile")
	root.AddCommand(initCmd(), idCmd(), nodeCmd(), coordinatorCmd(), peersCmd(), caCmd(), testnetCmd(),
		putCmd(), getCmd(), demoCmd(), lsCmd(), findCmd(), statCmd(), shareCmd(), rmCmd(), benchCmd(), proofCmd())
	root.SetUsageTemplate(root.UsageTemplate() + exitStatusHelp)
	markUsageErrors(root)
	return root
}

// bindEnv sets every flag the user did not give from SCATTERBYTES_<FLAG>.
func bindEnv(cmd *cobra.Command) error {
	var err error
	set := func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "SCATTERBYTES_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = usageError{fmt.Errorf("%s=%q: %v", name, v, e)}
			}
		}
	}
	cmd.Flags().VisitAll(set)
	cmd.InheritedFlags().VisitAll(set)
	return err
}

func logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// loadProfile loads --network, or the public profile.
func loadProfile() (*profile.Profile, error) {
	return profile.LoadOrPublic(g.network)
}

// usageError marks errors in how the command was called (exit status 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
