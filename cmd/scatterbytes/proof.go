package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

func proofCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "proof", Short: "Check availability proofs"}
	cmd.AddCommand(proofVerifyCmd())
	return cmd
}

func proofVerifyCmd() *cobra.Command {
	var caFile string
	cmd := &cobra.Command{
		Use:   "verify FILE|-",
		Short: "Verify a storage node's availability proof offline",
		Long: `verify checks an availability proof, as a storage node gossips it, against
the network's CA alone: the coordinator's beacon, the node's certificate and
signature, the inclusion of every sampled chunk in the node's commitment, the
sampled chunks' storage orders and their clients' certificates, and the slice
proofs of the chunks' bytes. It reads the proof from FILE, or standard input
for -, prints what the proof shows and exits 0 if it is valid, 1 if not.
The network is --network's; --ca FILE checks against another CA certificate
(PEM). It cannot see history: whether the node's commitment is the one it
published before the beacon is the coordinator's check.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := proofOptions(caFile)
			if err != nil {
				return err
			}
			data, err := readProof(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			r, err := proof.Verify(data, opts)
			if r != nil {
				printProof(cmd.OutOrStdout(), r)
			}
			if err != nil {
				return fmt.Errorf("the proof is not valid: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "OK")
			return nil
		},
	}
	cmd.Flags().StringVar(&caFile, "ca", "", "verify against this CA certificate FILE (PEM) instead of the profile's")
	return cmd
}

// proofOptions are the network profile's name and CA, or --ca's.
func proofOptions(caFile string) (proof.Options, error) {
	p, err := loadProfile()
	if err != nil {
		return proof.Options{}, err
	}
	opts := proof.Options{Network: p.Name}
	if p.Coordinator != "" {
		opts.Coordinator, _ = peer.Decode(p.Coordinator) // the profile was validated
	}
	switch {
	case caFile != "":
		b, err := os.ReadFile(caFile)
		if err != nil {
			return opts, fmt.Errorf("--ca: %w", err)
		}
		if opts.CA, err = cert.ParseCertPEM(b); err != nil {
			return opts, fmt.Errorf("--ca %s: %w", caFile, err)
		}
	case !p.Open:
		var c *x509.Certificate
		if c, err = p.CACert(); err != nil {
			return opts, fmt.Errorf("network profile CA: %w", err)
		}
		opts.CA = c
	}
	return opts, nil
}

// readProof reads at most proof.MaxProofSize bytes from name, or stdin for -.
func readProof(stdin io.Reader, name string) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, proof.MaxProofSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > proof.MaxProofSize {
		return nil, fmt.Errorf("the proof is not valid: %w: more than %d bytes", proof.ErrMalformed, proof.MaxProofSize)
	}
	return data, nil
}

func printProof(w io.Writer, r *proof.Result) {
	fmt.Fprintf(w, "node:     %s\n", r.Node)
	fmt.Fprintf(w, "epoch:    %d\n", r.Epoch)
	if r.Committed == nil {
		fmt.Fprintln(w, "samples:  none (first proof: it only commits)")
	} else {
		fmt.Fprintf(w, "samples:  %d of %d passed\n", len(r.Samples)-r.Failed(), len(r.Samples))
		for i, s := range r.Samples {
			if s.Err != nil {
				fmt.Fprintf(w, "  sample %d failed: chunk %s: %v\n", i, s.Chunk, s.Err)
			}
		}
	}
	fmt.Fprintf(w, "proven:   %d bytes of %d chunks\n", r.Bytes, r.Count)
	fmt.Fprintf(w, "next:     %d chunks, %d bytes for epoch %d\n", r.Next.Count, r.Next.Bytes, r.Next.Epoch)
}
