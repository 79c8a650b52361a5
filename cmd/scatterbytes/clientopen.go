package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
)

// passphraseEnv holds the master key's passphrase when no
// --passphrase-file is given. It is read directly, not through bindEnv,
// because there is deliberately no --passphrase flag: a passphrase on the
// command line would show in ps and shell history.
const passphraseEnv = "SCATTERBYTES_PASSPHRASE"

// clientGlobals are the flags every client command shares. Like g, they
// are bound afresh by every rootCmd().
type clientGlobals struct {
	passphraseFile string
	// quiet is set when the user chose no log level: the client's own
	// node then logs warnings only, so its chatter does not bury output.
	quiet bool
}

var cg clientGlobals

// addClientFlags registers the flags every command using the master key
// takes, and notes whether a log level was chosen.
func addClientFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&cg.passphraseFile, "passphrase-file", "",
		"FILE holding the master key's passphrase (default: $"+passphraseEnv+", else none)")
	cmd.PreRun = func(cmd *cobra.Command, _ []string) {
		f := cmd.Flags().Lookup("log-level")
		_, env := os.LookupEnv("SCATTERBYTES_LOG_LEVEL")
		cg.quiet = f != nil && !f.Changed && !env
	}
}

// passphrase returns the master key's passphrase: the first line of
// --passphrase-file, else $SCATTERBYTES_PASSPHRASE, else none.
func passphrase() ([]byte, error) {
	if cg.passphraseFile != "" {
		b, err := os.ReadFile(cg.passphraseFile)
		if err != nil {
			return nil, usageError{fmt.Errorf("--passphrase-file: %w", err)}
		}
		line, _, _ := strings.Cut(string(b), "\n")
		clear(b)
		return []byte(strings.TrimSuffix(line, "\r")), nil
	}
	if v := os.Getenv(passphraseEnv); v != "" {
		return []byte(v), nil
	}
	return nil, nil
}

// checkMasterKey turns a missing master key into errNoMasterKey, which
// humanError explains, instead of a bare "no such file".
func checkMasterKey() error {
	p := filepath.Join(g.dir, client.MasterKeyFile)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", errNoMasterKey, p)
	}
	return nil
}

// openClient opens the client in --dir on --network. It enrols with the
// coordinator by itself when the directory has no certificate yet. The
// caller closes it.
func openClient(ctx context.Context) (*client.Client, error) { return openClientFor(ctx, false) }

// openReader is openClient for a command that only reads files (get,
// stat): its catalog is opened read-only, which writes and syncs nothing.
func openReader(ctx context.Context) (*client.Client, error) { return openClientFor(ctx, true) }

func openClientFor(ctx context.Context, readOnly bool) (*client.Client, error) {
	if err := checkMasterKey(); err != nil {
		return nil, err
	}
	limitMemory()
	prof, err := loadProfile()
	if err != nil {
		return nil, err
	}
	pass, err := passphrase()
	if err != nil {
		return nil, err
	}
	cfg := client.DefaultConfig(g.dir, prof)
	cfg.Passphrase = pass
	cfg.ReadOnly = readOnly
	cfg.Logger = logger()
	if cg.quiet {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return client.Open(ctx, cfg)
}

// openCatalog opens only the catalog in --dir, without the network: what
// ls, find, share and stat need.
func openCatalog() (*catalog.Catalog, error) {
	if err := checkMasterKey(); err != nil {
		return nil, err
	}
	pass, err := passphrase()
	if err != nil {
		return nil, err
	}
	return client.OpenCatalog(g.dir, pass)
}

// lookup returns the catalog entry volume/name ("" = the default volume),
// with a miss as client.ErrNotFound.
func lookup(ctx context.Context, cat *catalog.Catalog, volume, name string) (catalog.Entry, error) {
	if volume == "" {
		volume = catalog.DefaultVolume
	}
	e, err := cat.Get(ctx, volume, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return e, fmt.Errorf("%w: %s/%s", client.ErrNotFound, volume, name)
	}
	return e, err
}

// volumeFlag registers --volume on cmd.
func volumeFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "volume", catalog.DefaultVolume, "catalog volume")
}

// clientMemoryLimit is the Go runtime's soft memory limit for client
// commands. The stripe buffers (48–72 MiB) live outside the Go heap (see
// internal/offheap), so this bounds the rest, and the limit makes the
// runtime give back what it frees rather than keep it, so the process
// stays under 128 MiB resident. Of those 128 MiB the stripe buffers take
// 72 (3 × 24 at 4+2) and the binary's mapped code about 30, which leaves
// the runtime little: at 40 MiB the heap grew to 29 MiB in a 4 GiB put
// (live 15) and the put peaked at 132 MiB resident; at 28 MiB it collects
// 26 times instead of 9 (1% of a core) and peaks at 124 MiB. GOMEMLIMIT in
// the environment overrides it.
const clientMemoryLimit = 28 << 20

func limitMemory() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(clientMemoryLimit)
	}
}
