package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

var caDir string

func caCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ca", Short: "Run the network CA: create it, sign requests, revoke members"}
	cmd.PersistentFlags().StringVar(&caDir, "ca-dir", "", "CA directory (default: DIR/ca)")
	cmd.AddCommand(caInitCmd(), caSignCmd(), caRevokeCmd(), caCRLCmd(), caProfileCmd())
	return cmd
}

func caPath() string {
	if caDir != "" {
		return caDir
	}
	return filepath.Join(g.dir, "ca")
}

func caInitCmd() *cobra.Command {
	var name string
	var years int
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a network CA",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ca, err := cert.NewCA(name, time.Duration(years)*365*24*time.Hour)
			if err != nil {
				return err
			}
			if err := cert.SaveCA(caPath(), ca); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "CA for %q in %s; next: `scatterbytes ca profile --bootstrap ADDR -o network.json` writes the network profile\n",
				name, caPath())
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "scatterbytes", "network name")
	cmd.Flags().IntVar(&years, "years", 10, "CA certificate lifetime in years")
	return cmd
}

func caSignCmd() *cobra.Command {
	var out string
	var validity time.Duration
	cmd := &cobra.Command{
		Use:   "sign CSR",
		Short: "Sign a member's certificate request; prints the certificate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ca, err := cert.LoadCA(caPath())
			if err != nil {
				return err
			}
			csr, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			pem, m, err := ca.Sign(csr, validity)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "signed %s as %s until %s\n", m.Peer, m.Role, m.NotAfter.Format(time.RFC3339))
			if out == "" {
				_, err = cmd.OutOrStdout().Write(pem)
				return err
			}
			return os.WriteFile(out, pem, 0o644)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the certificate to FILE instead of standard output")
	cmd.Flags().DurationVar(&validity, "validity", cert.DefaultValidity, "certificate lifetime")
	return cmd
}

func caRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke PEER",
		Short: "Revoke every certificate of a peer",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := peer.Decode(args[0])
			if err != nil {
				return usageError{fmt.Errorf("%q is not a peer ID: %w", args[0], err)}
			}
			ca, err := cert.LoadCA(caPath())
			if err != nil {
				return err
			}
			if err := ca.Revoke(p); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s; a coordinator running on this CA serves the new CRL at once, and running members fetch it within a minute\n", p)
			return nil
		},
	}
}

func caCRLCmd() *cobra.Command {
	var out string
	var next time.Duration
	cmd := &cobra.Command{
		Use:   "crl",
		Short: "Write a freshly signed CRL (DER)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ca, err := cert.LoadCA(caPath())
			if err != nil {
				return err
			}
			der, err := ca.CRL(next)
			if err != nil {
				return err
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(der)
				return err
			}
			return os.WriteFile(out, der, 0o644)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the CRL to FILE instead of standard output")
	cmd.Flags().DurationVar(&next, "next-update", cert.DefaultCRLUpdate, "how long the CRL stays current")
	return cmd
}
