package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// CSRFile is where init leaves the certificate request for the CA.
const CSRFile = "cert.csr"

func initCmd() *cobra.Command {
	var role, payout string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create this party's identity key and a certificate request",
		Long: `init creates the directory given by --dir, an Ed25519 identity key in it
(mode 0600) and a certificate signing request (cert.csr) for the network CA.
With --role client it also creates the master key (master.key, mode 0600)
that encrypts the catalog of stored files, sealed with the passphrase from
--passphrase-file or $SCATTERBYTES_PASSPHRASE when one is given.
It never replaces an existing key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := cert.ParseRole(role)
			if err != nil {
				return usageError{err}
			}
			if err := os.MkdirAll(g.dir, 0o700); err != nil {
				return err
			}
			k, err := identity.LoadOrCreate(filepath.Join(g.dir, node.KeyFile))
			if err != nil {
				return err
			}
			csr, err := cert.NewCSR(k, r, payout)
			if err != nil {
				return err
			}
			csrPath := filepath.Join(g.dir, CSRFile)
			if err := os.WriteFile(csrPath, csr, 0o644); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "peer ID:  %s\nkey:      %s\nrequest:  %s\n", k.PeerID(), filepath.Join(g.dir, node.KeyFile), csrPath)
			if r == cert.RoleClient {
				return initClient(out, csrPath)
			}
			fmt.Fprintf(out, "next: on a network with a coordinator, `scatterbytes node run --network FILE` enrols by itself;\n"+
				"otherwise have the CA run `scatterbytes ca sign %s` and save the result as %s\n", csrPath, filepath.Join(g.dir, node.CertFile))
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "node", "role to request: node, client or coordinator")
	cmd.Flags().StringVar(&payout, "payout", "", "Bitcoin address that receives this node's earnings")
	addClientFlags(cmd)
	return cmd
}

// initClient creates the master key of a client directory, keeping one
// that exists, and says what it is for.
func initClient(out io.Writer, csrPath string) error {
	path := filepath.Join(g.dir, client.MasterKeyFile)
	_, statErr := os.Stat(path)
	existed := statErr == nil
	pass, err := passphrase()
	if err != nil {
		return err
	}
	if err := client.Init(g.dir, pass); err != nil {
		return err
	}
	switch {
	case existed:
		fmt.Fprintf(out, "master:   %s (already there, kept)\n", path)
	case len(pass) > 0:
		fmt.Fprintf(out, "master:   %s (sealed with your passphrase)\n", path)
	default:
		fmt.Fprintf(out, "master:   %s (no passphrase; readable by you only)\n", path)
	}
	fmt.Fprintf(out, "keep a copy of the master key (and its passphrase) somewhere safe: it opens your catalog,\n"+
		"and losing it loses every file you stored, except those whose reference you kept.\n")
	fmt.Fprintf(out, "next: on a network with a coordinator, `scatterbytes put FILE --network FILE` enrols by itself;\n"+
		"otherwise have the CA run `scatterbytes ca sign %s` and save the result as %s\n", csrPath, filepath.Join(g.dir, node.CertFile))
	return nil
}

func idCmd() *cobra.Command {
	var withAddrs bool
	cmd := &cobra.Command{
		Use:   "id",
		Short: "Print this party's peer ID, or with --addrs the addresses peers dial it on",
		Long: `id prints the peer ID of the key in --dir. With --addrs it prints instead the
/p2p/ addresses other peers dial it on, one a line, the most widely
reachable first: the form a network profile's bootstrap list takes
(` + "`ca profile --bootstrap ADDR`" + `). A node or coordinator records them each time
it starts, so it must have run once (with --announce where its own
interfaces do not show the address others reach it on).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := identity.Load(filepath.Join(g.dir, node.KeyFile))
			if err != nil {
				return err
			}
			if !withAddrs {
				fmt.Fprintln(cmd.OutOrStdout(), k.PeerID())
				return nil
			}
			b, err := os.ReadFile(filepath.Join(g.dir, AddrsFile))
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no addresses recorded in %s: run `scatterbytes node run` (or `coordinator run`) there once", g.dir)
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&withAddrs, "addrs", false, "print the /p2p/ addresses the node was last reachable on")
	return cmd
}
