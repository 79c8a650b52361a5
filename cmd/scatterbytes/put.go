package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
)

func putCmd() *cobra.Command {
	var volume, redundancy, name string
	var compress, keepReplaced bool
	var size int64
	cmd := &cobra.Command{
		Use:   "put FILE",
		Short: "Encrypt a file, spread it over the network and file it in the catalog",
		Long: `put encrypts FILE, erasure-codes it into k+m shards per stripe, stores the
shards on distinct storage nodes and files the result in the catalog as
VOLUME/NAME (NAME defaults to FILE's base name). A file already filed under
that name is replaced, and the replaced version is deleted from the nodes
once the new one is filed, as rm would; --keep-replaced leaves it stored
(until its orders expire) for whoever holds its reference.
It prints the file's reference last, on a line of its own: whoever holds it
can read the file, so share it as you would the file.

An interrupted put (Ctrl-C, a lost connection) resumes where it stopped when
run again on the same, unchanged FILE.

FILE "-" reads standard input: --name and --size (exactly how many bytes
will come) are then required, and the put cannot resume.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := args[0]
			if path == "-" {
				if name == "" || size < 0 {
					return usageError{errors.New("put - (standard input) needs --name and --size")}
				}
			} else {
				if cmd.Flags().Changed("size") {
					return usageError{errors.New("--size is only for put - (standard input): a file's size is its own")}
				}
				st, err := os.Stat(path)
				if err != nil {
					return err
				}
				if !st.Mode().IsRegular() {
					return usageError{fmt.Errorf("%s is not a regular file", path)}
				}
				size = st.Size()
			}
			if name == "" {
				name = filepath.Base(path)
			}
			if volume == "" {
				volume = catalog.DefaultVolume
			}
			if err := catalog.CheckName(volume, name); err != nil {
				return usageError{err}
			}
			if err := checkRedundancy(cmd.ErrOrStderr(), redundancy); err != nil {
				return err
			}
			c, err := openClient(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			_, perr := c.Catalog().Get(ctx, volume, name)
			replacing := perr == nil
			bar := newProgress(cmd.ErrOrStderr(), size, "put "+name)
			opts := client.PutOptions{
				Volume: volume, Name: name, Redundancy: redundancy, Compress: compress, Progress: bar.Set,
				KeepReplaced: keepReplaced,
			}
			var ref manifest.Ref
			if path == "-" {
				ref, err = putStdin(ctx, c, cmd.InOrStdin(), size, opts)
			} else {
				ref, err = c.PutFile(ctx, path, opts)
			}
			bar.Done()
			if err != nil && ref.Manifest.Defined() {
				// Stored but not filed: the reference is the only way back.
				fmt.Fprintln(cmd.OutOrStdout(), ref.Encode())
			}
			if err != nil {
				if ctx.Err() != nil && path == "-" {
					return fmt.Errorf("%w: standard input cannot be read again, so this put cannot resume (%v)", errInterrupted, err)
				}
				if ctx.Err() != nil {
					// The library's error then only describes the
					// fallout (cancelled streams), not the cause.
					return fmt.Errorf("%w: run the same put again to resume where it stopped (%v)", errInterrupted, err)
				}
				return leftUnfinished(ctx, c, volume, name, err)
			}
			e, err := lookup(ctx, c.Catalog(), volume, name)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "stored %s/%s (%s, %s)\n", e.Volume, e.Name, sizeString(e.Size), e.Redundancy)
			switch {
			case replacing && keepReplaced:
				fmt.Fprintln(out, "replaced the version filed before; its data stays stored for its reference")
			case replacing:
				fmt.Fprintln(out, "replaced the version filed before and deleted its data")
			}
			fmt.Fprintln(out, ref.Encode())
			return nil
		},
	}
	f := cmd.Flags()
	volumeFlag(cmd, &volume)
	f.StringVar(&redundancy, "redundancy", "", "k+m: data and parity shards per stripe (default: the network profile's)")
	f.StringVar(&name, "name", "", "name in the catalog (default: FILE's base name)")
	f.BoolVar(&keepReplaced, "keep-replaced", false, "keep the data of the version this put replaces (its reference was shared)")
	f.Int64Var(&size, "size", -1, "with FILE \"-\": the exact number of bytes standard input will give")
	f.BoolVar(&compress, "compress", false, "zstd-compress before encrypting (text, logs); ranged gets then read from the start")
	addClientFlags(cmd)
	return cmd
}

// checkRedundancy refuses a --redundancy that does not parse and warns on
// w of one that keeps no parity: allowed, but a person should know.
func checkRedundancy(w io.Writer, s string) error {
	if s == "" {
		return nil
	}
	r, err := erasure.ParseRedundancy(s)
	if err != nil {
		return usageError{fmt.Errorf("--redundancy: %w", err)}
	}
	if r.M == 0 {
		fmt.Fprintf(w, "scatterbytes: warning: %d+0 keeps no redundancy: losing any one node loses the file\n", r.K)
	}
	return nil
}

// leftUnfinished is err, the error of a put of volume/name, marked as
// having left an unfinished upload when it did.
func leftUnfinished(ctx context.Context, c *client.Client, volume, name string, err error) error {
	ups, lerr := c.Unfinished(context.WithoutCancel(ctx))
	if lerr != nil {
		return err
	}
	for _, u := range ups {
		if u.Volume == volume && u.Name == name {
			return unfinishedError{err: err, volume: volume, name: name}
		}
	}
	return err
}

// putStdin stores exactly size bytes of r (standard input). Fewer is an
// error that names --size; more is refused too, though only once the
// first size bytes are stored: the put is then reported as failed and its
// reference printed, since it holds what --size said and not what came.
func putStdin(ctx context.Context, c *client.Client, r io.Reader, size int64, opts client.PutOptions) (manifest.Ref, error) {
	ref, err := c.Put(ctx, r, size, opts)
	if errors.Is(err, client.ErrChanged) {
		return ref, fmt.Errorf("standard input ended before the %d bytes --size gave", size)
	}
	if err == nil {
		if n, _ := r.Read(make([]byte, 1)); n > 0 {
			return ref, fmt.Errorf("standard input holds more than the %d bytes --size gave: stored only those, as %s/%s", size, opts.Volume, opts.Name)
		}
	}
	return ref, err
}
